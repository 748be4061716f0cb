#include "args.h"

#include <cstdio>
#include <cstdlib>

namespace sonavec::cli {

namespace {

std::string format_bound(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

}  // namespace

std::string parsed_args::get(const std::string& name, const std::string& fallback) const {
    auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
}

int parsed_args::get_int(const std::string& name, int fallback) const {
    auto it = values.find(name);
    if (it == values.end()) return fallback;
    try {
        size_t used = 0;
        int v = std::stoi(it->second, &used);
        if (used != it->second.size()) throw std::invalid_argument("trailing characters");
        return v;
    } catch (const std::exception&) {
        throw usage_error(name + " expects an integer, got '" + it->second + "'");
    }
}

parsed_args parse_args(const command_spec& spec, const std::vector<std::string>& args) {
    parsed_args out;
    bool only_positional = false;
    for (size_t i = 0; i < args.size(); i++) {
        const std::string& a = args[i];
        if (only_positional || a.size() < 2 || a[0] != '-') {
            out.positional.push_back(a);
            continue;
        }
        if (a == "--") {
            only_positional = true;
            continue;
        }
        if (a == "-h" || a == "--help") {
            out.help = true;
            return out;
        }
        std::string name = a, value;
        bool inline_value = false;
        if (auto eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
            name = a.substr(0, eq);
            value = a.substr(eq + 1);
            inline_value = true;
        }
        const option_spec* opt = nullptr;
        for (auto& o : spec.options)
            if (o.name == name) opt = &o;
        if (!opt) throw usage_error("unknown option " + name);
        if (opt->value_name.empty()) {
            if (inline_value) throw usage_error(name + " takes no value");
            out.values[name].assign(1, '1');  // a flag (assigning "1" trips a false -Wrestrict in GCC 12)
        } else if (inline_value) {
            out.values[name] = value;
            out.repeated[name].push_back(value);
        } else {
            if (i + 1 >= args.size()) throw usage_error(name + " needs a value (" + opt->value_name + ")");
            out.values[name] = args[++i];
            out.repeated[name].push_back(out.values[name]);
        }
    }
    if (out.positional.size() < spec.min_positional) throw usage_error("missing arguments");
    if (out.positional.size() > spec.max_positional) throw usage_error("too many arguments");
    return out;
}

std::string help_text(const command_spec& spec) {
    std::string s = "usage: sonavec " + spec.name + (spec.usage.empty() ? "" : " " + spec.usage) + "\n\n" +
                    spec.summary + "\n";
    if (!spec.options.empty()) {
        s += "\noptions:\n";
        for (auto& o : spec.options) {
            std::string left = "  " + o.name + (o.value_name.empty() ? "" : " " + o.value_name);
            if (left.size() < 24) left.append(24 - left.size(), ' ');
            else left += "\n" + std::string(24, ' ');
            s += left + o.help + "\n";
        }
        s += "  -h, --help            show this help\n";
    }
    if (!spec.details.empty()) s += "\n" + spec.details + "\n";
    return s;
}

std::optional<double> parsed_args::get_number(const std::string& name, double lo, double hi) const {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(it->second.c_str(), &end);
    if (it->second.empty() || *end != '\0' || !(v >= lo && v <= hi))
        throw usage_error(name + " takes a number from " + format_bound(lo) + " to " + format_bound(hi) + ", got '" +
                          it->second + "'");
    return v;
}

double parsed_args::get_fraction(const std::string& name, double fallback) const {
    return get_number(name, 0, 1).value_or(fallback);
}

}  // namespace sonavec::cli
