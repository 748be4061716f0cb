#include "sonavec/model.h"

#include <cstdlib>
#include <pwd.h>
#include <unistd.h>

#include "hub/hub_url.h"
#include "util/error.h"
#include "sonavec/escaped_text.h"

namespace sonavec {

namespace fs = std::filesystem;

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

fs::path home_dir() {
    if (std::string home = env("HOME"); !home.empty()) return home;
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found && found->pw_dir)
        return found->pw_dir;
    throw error("cannot find a cache directory: set XDG_CACHE_HOME or HOME");
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (size_t i = 0; i < items.size(); i++) out += (i ? ", " : "") + items[i];
    return out;
}

}  // namespace

const std::vector<std::string>& model_config_files() {
    static const std::vector<std::string> files = {"config.json", "preprocessor_config.json", "vocab.json",
                                                   "merges.txt"};
    return files;
}

const std::vector<std::string>& model_weight_files() {
    static const std::vector<std::string> files = {"model.safetensors", "pytorch_model.bin"};
    return files;
}

fs::path default_cache_root() {
    // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
    fs::path base = env("XDG_CACHE_HOME");
    if (base.empty() || base.is_relative()) base = home_dir() / ".cache";
    return base / "sonavec" / "models";
}

fs::path cached_model_dir(const std::string& repo, const fs::path& cache_root) {
    check_repo_id(repo);
    std::string folder = repo;
    folder.replace(folder.find('/'), 1, "--");
    return (cache_root.empty() ? default_cache_root() : cache_root) / folder;
}

std::vector<std::string> missing_model_files(const fs::path& dir, model_use use) {
    std::vector<std::string> missing;
    std::error_code ec;
    for (const auto& f : model_config_files()) {
        const bool tokenizer_file = f == "vocab.json" || f == "merges.txt";
        if (tokenizer_file && use == model_use::audio) continue;
        if (!fs::is_regular_file(dir / f, ec)) missing.push_back(f);
    }
    bool have_weights = false;
    for (const auto& f : model_weight_files()) have_weights = have_weights || fs::is_regular_file(dir / f, ec);
    if (!have_weights) missing.push_back(model_weight_files()[0] + " or " + model_weight_files()[1]);
    return missing;
}

std::string manual_download_help(const std::string& repo, const std::string& revision, const std::string& endpoint,
                                 const fs::path& dir) {
    // Several lines: the names in them are escaped here (multiline_error).
    const auto url = [&](const std::string& f) { return for_terminal(hub_file_url(endpoint, repo, revision, f)); };
    std::string out = "download these files from " + for_terminal(repo) + " into " + for_terminal(dir.string()) + ":\n";
    for (const auto& f : model_config_files()) out += "  " + url(f) + "\n";
    out += "and the weights, " + model_weight_files()[0] + " if the repository has it, else " +
           model_weight_files()[1] + ":\n";
    for (const auto& f : model_weight_files()) out += "  " + url(f) + "\n";
    return out;
}

bool model_chosen(const std::string& given) { return !given.empty() || !env("SONAVEC_MODEL").empty(); }

fs::path resolve_model_dir(const std::string& model_flag, model_use use) {
    const fs::path cache_dir = cached_model_dir(default_model_repo);
    const std::string from_env = env("SONAVEC_MODEL");
    fs::path dir = cache_dir;
    std::string source;  // empty: the cache
    if (!model_flag.empty()) {
        dir = model_flag;
        source = "--model";
    } else if (!from_env.empty()) {
        dir = from_env;
        source = "SONAVEC_MODEL";
    }
    std::error_code ec;
    const bool exists = fs::is_directory(dir, ec);
    const std::vector<std::string> missing = missing_model_files(dir, use);
    if (exists && missing.empty()) return dir;

    std::string endpoint;
    try {
        endpoint = hub_endpoint();
    } catch (const error&) {
        endpoint = default_hub_endpoint;
    }
    const std::string shown_dir = for_terminal(dir.string());
    const std::string problem = exists ? shown_dir + " lacks " + join(missing) : shown_dir + " does not exist";
    std::string msg;
    if (source.empty()) {
        msg = "no model found: no --model given, SONAVEC_MODEL is not set, and the default model is not in the "
              "cache (" + problem + ").\nRun `sonavec model pull` to download " + default_model_repo +
              " there, or " + manual_download_help(default_model_repo, "main", endpoint, dir);
    } else {
        msg = "no usable model from " + source + ": " + problem + ".\nPut the model files there, or run `sonavec "
              "model pull` to download " + default_model_repo + " into " + for_terminal(cache_dir.string()) + " and drop " +
              source + ".\nBy hand: " + manual_download_help(default_model_repo, "main", endpoint, dir);
    }
    if (!msg.empty() && msg.back() == '\n') msg.pop_back();
    throw multiline_error(error_kind::not_found, msg);
}

}  // namespace sonavec
