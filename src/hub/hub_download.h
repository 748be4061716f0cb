// `sonavec model pull`: fetches a CLAP model from the Hugging Face Hub into the per-user cache.
#pragma once
#include <filesystem>
#include <string>

#include "hub/hub_url.h"

namespace sonavec {

struct pull_options {
    std::string repo = default_model_repo;
    std::string revision = "main";
    std::string endpoint;              // empty: $SONAVEC_HF_ENDPOINT, $HF_ENDPOINT, else https://huggingface.co
    std::filesystem::path cache_root;  // empty: default_cache_root()
    bool progress = true;              // progress and status lines on stderr
    int attempts = 3;                  // tries per file; each retry resumes from the .part
};

// Downloads config.json, preprocessor_config.json, vocab.json, merges.txt and the weights (model.safetensors,
// else pytorch_model.bin) into cached_model_dir(repo, cache_root) and returns that directory. Files already
// there with the size the Hub announces are kept; an interrupted file resumes from its .part. $HF_TOKEN, if
// set, is sent as a bearer token. Throws sonavec::error; without a network the message says which files to
// fetch by hand, from where, and where to put them.
std::filesystem::path pull_model(const pull_options& opts);

}  // namespace sonavec
