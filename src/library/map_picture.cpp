// write_map_picture (sonavec/map.h): one drawing through cairo (library/cairo_picture.h). Categories are
// coloured by size, largest first, from a qualitative palette; the rest is "other".
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "library/cairo_picture.h"
#include "sonavec/error.h"
#include "sonavec/map.h"

namespace sonavec {

namespace {

// Tableau 10 (Tableau's default qualitative palette, designed to stay apart for most colour vision),
// then two more of its 20-colour set.
constexpr unsigned palette[] = {0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f, 0xedc948,
                                0xb07aa1, 0xff9da7, 0x9c755f, 0x17becf, 0x8c564b, 0xbcbd22};
constexpr unsigned other_colour = 0xc7c7c7, unlabelled_colour = 0x9a9a9a;

struct legend_entry {
    std::string name;
    size_t count = 0;
    unsigned colour = 0;
};

void draw(cairo_t* cr, const std::vector<map_point>& points, const std::vector<int>& colour_of,
          const std::vector<legend_entry>& legend, const map_picture_options& o) {
    const double w = o.width, h = o.height;
    const double legend_w = std::min(320.0, w * 0.3), title_h = o.title.empty() ? 16.0 : 48.0, margin = 16;
    set_colour(cr, 0xffffff, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    if (!o.title.empty()) {
        set_colour(cr, 0x222222, 1);
        cairo_set_font_size(cr, 22);
        cairo_move_to(cr, margin, 32);
        cairo_show_text(cr, shortened(o.title, 120).c_str());
    }
    // The plot: the points' bounding box with a margin, one scale on both axes (distances mean the same
    // across and down).
    const double px0 = margin, py0 = title_h, pw = w - legend_w - 2 * margin, ph = h - title_h - margin;
    float x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (const map_point& p : points) {
        x0 = std::min(x0, p.x);
        x1 = std::max(x1, p.x);
        y0 = std::min(y0, p.y);
        y1 = std::max(y1, p.y);
    }
    const double span = std::max({static_cast<double>(x1 - x0), static_cast<double>(y1 - y0), 1e-9});
    const double scale = std::min(pw / std::max(1e-9, static_cast<double>(x1 - x0)), ph / std::max(1e-9, static_cast<double>(y1 - y0)));
    const double s = std::isfinite(scale) && scale < 1e12 ? scale * 0.96 : std::min(pw, ph) / span;
    const double cx = px0 + pw / 2, cy = py0 + ph / 2, mx = (x0 + x1) / 2.0, my = (y0 + y1) / 2.0;
    set_colour(cr, 0xf7f7f7, 1);
    cairo_rectangle(cr, px0, py0, pw, ph);
    cairo_fill(cr);
    const double r = o.point_size > 0 ? o.point_size
                                      : std::clamp(260.0 / std::sqrt(static_cast<double>(std::max<size_t>(points.size(), 1))), 0.7, 5.0);
    // Grey first, then the coloured points in a fixed scrambled order, so that no category buries another
    // by coming last.
    std::vector<size_t> order(points.size());
    for (size_t i = 0; i < order.size(); i++) order[i] = i;
    auto scramble = [&](size_t i) { return (static_cast<uint64_t>(points[i].id) * 0x9E3779B97F4A7C15ULL) >> 17; };
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        const bool ga = legend[static_cast<size_t>(colour_of[a])].colour >= other_colour;
        const bool gb = legend[static_cast<size_t>(colour_of[b])].colour >= other_colour;
        if (ga != gb) return ga;
        return scramble(a) < scramble(b);
    });
    for (size_t i : order) {
        const map_point& p = points[i];
        set_colour(cr, legend[static_cast<size_t>(colour_of[i])].colour, 0.75);
        // y up, as a plot reads.
        cairo_arc(cr, cx + (p.x - mx) * s, cy - (p.y - my) * s, r, 0, 2 * M_PI);
        cairo_fill(cr);
    }
    // The legend, largest first.
    double ly = title_h + 12;
    const double lx = w - legend_w;
    cairo_set_font_size(cr, 15);
    for (const legend_entry& e : legend) {
        if (e.count == 0) continue;
        set_colour(cr, e.colour, 1);
        cairo_arc(cr, lx + 8, ly + 8, 7, 0, 2 * M_PI);
        cairo_fill(cr);
        set_colour(cr, 0x222222, 1);
        cairo_move_to(cr, lx + 24, ly + 13);
        const std::string text = shortened(e.name, 26) + " (" + std::to_string(e.count) + ")";
        cairo_show_text(cr, text.c_str());
        ly += 24;
        if (ly > h - 40) break;
    }
    set_colour(cr, 0x777777, 1);
    cairo_set_font_size(cr, 12);
    cairo_move_to(cr, lx, h - margin);
    const std::string caption = std::to_string(points.size()) + " tracks, UMAP";
    cairo_show_text(cr, caption.c_str());
}

}  // namespace

void write_map_picture(const std::vector<map_point>& points, const std::vector<std::string>& category,
                       const std::filesystem::path& file, const map_picture_options& options) {
    if (category.size() != points.size())
        throw error(error_kind::invalid_input, "map picture: one category per point is needed");
    if (options.width < 200 || options.height < 150 || options.width > 20000 || options.height > 20000)
        throw error(error_kind::invalid_input, "map picture: the size must be 200 x 150 to 20000 x 20000");
    if (options.legend_entries < 1 || options.legend_entries > 100)
        throw error(error_kind::invalid_input, "map picture: the legend holds 1 to 100 entries");
    check_picture_file(file, "map");
    for (const map_point& p : points)
        if (!std::isfinite(p.x) || !std::isfinite(p.y))
            throw error(error_kind::invalid_input, "map picture: track " + std::to_string(p.id) + " has no finite point");

    // Categories by size (then name); the first legend_entries - 1 named, the rest "other" (all named
    // when they fit), and "" as "unlabelled".
    std::map<std::string, size_t> counts;
    for (const std::string& c : category) counts[c]++;
    std::vector<std::pair<std::string, size_t>> named;
    for (const auto& [name, count] : counts)
        if (!name.empty()) named.emplace_back(name, count);
    std::sort(named.begin(), named.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    const size_t slots = std::min(options.legend_entries, std::size(palette));
    const size_t shown = named.size() <= slots ? named.size() : slots - 1;
    std::vector<legend_entry> legend;
    std::map<std::string, int> slot_of;
    for (size_t i = 0; i < shown; i++) {
        slot_of[named[i].first] = static_cast<int>(legend.size());
        legend.push_back({named[i].first, named[i].second, palette[i]});
    }
    const int other = static_cast<int>(legend.size());
    legend.push_back({"other", 0, other_colour});
    const int unlabelled = static_cast<int>(legend.size());
    legend.push_back({"unlabelled", counts.count("") ? counts[""] : 0, unlabelled_colour});
    std::vector<int> colour_of(points.size());
    for (size_t i = 0; i < points.size(); i++) {
        const std::string& c = category[i];
        const auto it = slot_of.find(c);
        colour_of[i] = c.empty() ? unlabelled : it != slot_of.end() ? it->second : other;
        if (colour_of[i] == other) legend[static_cast<size_t>(other)].count++;
    }

    write_cairo_picture(file, options.width, options.height, "map",
                        [&](cairo_t* cr) { draw(cr, points, colour_of, legend, options); });
}

}  // namespace sonavec
