// Where models live on disk and which model directory a command uses.
//
// Cache layout: $XDG_CACHE_HOME/sonavec/models/<owner>--<name>/ (default ~/.cache/sonavec/models/...),
// holding the Hugging Face files as they are named on the Hub.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace sonavec {

// The files every model directory needs besides the weights.
const std::vector<std::string>& model_config_files();  // config.json, preprocessor_config.json, vocab.json, merges.txt
// The weights, in order of preference; a directory needs one of them.
const std::vector<std::string>& model_weight_files();  // model.safetensors, pytorch_model.bin

std::filesystem::path default_cache_root();  // $XDG_CACHE_HOME/sonavec/models or ~/.cache/sonavec/models
std::filesystem::path cached_model_dir(const std::string& repo, const std::filesystem::path& cache_root = {});

// What a command will use: audio-only commands need no tokenizer files (vocab.json, merges.txt).
enum class model_use { audio, audio_and_text };

// The needed files dir lacks (the weights as "model.safetensors or pytorch_model.bin"); empty when complete.
std::vector<std::string> missing_model_files(const std::filesystem::path& dir,
                                             model_use use = model_use::audio_and_text);

// How to fetch a model without `sonavec model pull`: each file's URL and the directory to put it in,
// a line each, the names escaped for a terminal (for a multiline_error).
std::string manual_download_help(const std::string& repo, const std::string& revision, const std::string& endpoint,
                                 const std::filesystem::path& dir);

// --model DIR (model_flag, "" when not given) beats $SONAVEC_MODEL beats the cached default repo.
// Throws sonavec::error naming the missing files, their URLs and where they go when the chosen directory
// is incomplete; an explicit choice never falls back to another one.
std::filesystem::path resolve_model_dir(const std::string& model_flag, model_use use = model_use::audio_and_text);

}  // namespace sonavec
