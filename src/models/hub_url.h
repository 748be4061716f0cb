// The Hugging Face Hub's names and addresses: which endpoint, which repo ids are valid, where a file lives.
#pragma once
#include <string>

#include "sonavec/model.h"

namespace sonavec {

inline constexpr const char* default_hub_endpoint = "https://huggingface.co";

// explicit_endpoint if not empty, else $SONAVEC_HF_ENDPOINT, else $HF_ENDPOINT, else huggingface.co;
// without a trailing slash. Throws unless it is an http:// or https:// URL.
std::string hub_endpoint(const std::string& explicit_endpoint = {});

// Throws unless repo is "owner/name" made of letters, digits, '-', '_' and '.' (no "..", no "--").
void check_repo_id(const std::string& repo);
// Throws unless the revision is a plain branch, tag, commit or "refs/pr/N" style name.
void check_revision(const std::string& revision);

// {endpoint}/{repo}/resolve/{revision}/{file}
std::string hub_file_url(const std::string& endpoint, const std::string& repo, const std::string& revision,
                         const std::string& file);

}  // namespace sonavec
