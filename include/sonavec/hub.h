// Fetching a model from the Hugging Face Hub into the per-user cache (sonavec/model.h). A library of
// its own (sonavec_hub, linking libcurl), so a program that only embeds does not link curl.
//
//   sonavec::pull_options o;                                  // laion/clap-htsat-unfused, main
//   o.progress = [](const sonavec::download_event& e) { ... };
//   std::filesystem::path dir = sonavec::pull_model(o);
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "sonavec/model.h"

namespace sonavec {

// One step of a download, for a progress display. Per file: begin, updates as bytes arrive, then finish,
// or abandon when the transfer stopped (a retry begins again from the .part); a file already complete
// gets only a status line. The hub itself never prints.
struct download_event {
    enum class kind { status, begin, update, finish, abandon } what = kind::status;
    std::string file;          // the Hub's name of the file (outside text: escape it before printing)
    std::string message;       // for status: a line about the run ("up to date: config.json (2210 bytes)")
    uint64_t resume_from = 0;  // begin: bytes already in the .part
    uint64_t bytes_done = 0;   // update, finish, abandon: bytes of the file now on disk
    uint64_t total = 0;        // the file's size (0 when the server does not say)
};
using download_callback = std::function<void(const download_event&)>;

struct pull_options {
    std::string repo = default_model_repo;
    std::string revision = "main";
    std::string endpoint;              // empty: $SONAVEC_HF_ENDPOINT, $HF_ENDPOINT, else https://huggingface.co
    std::filesystem::path cache_root;  // empty: default_cache_root()
    download_callback progress;        // empty: silent; what it throws stops the pull (the .part is kept)
    int attempts = 3;                  // tries per file; each retry resumes from the .part
};

// Downloads config.json, preprocessor_config.json, vocab.json, merges.txt and the weights (model.safetensors,
// else pytorch_model.bin) into cached_model_dir(repo, cache_root) and returns that directory. Files already
// there with the size the Hub announces are kept; an interrupted file resumes from its .part. $HF_TOKEN, if
// set, is sent as a bearer token. Throws sonavec::error; without a network the message (a multiline_error)
// says which files to fetch by hand, from where, and where to put them.
std::filesystem::path pull_model(const pull_options& opts);

}  // namespace sonavec
