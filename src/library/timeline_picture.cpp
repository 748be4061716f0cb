// write_timeline_picture (sonavec/timeline.h): a strip per recording, its segments in their kinds'
// colours, drawn through cairo (library/cairo_picture.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "library/cairo_picture.h"
#include "sonavec/error.h"
#include "sonavec/timeline.h"

namespace sonavec {

namespace {

constexpr segment_kind kinds[] = {segment_kind::speech, segment_kind::music, segment_kind::speech_over_music,
                                  segment_kind::noise, segment_kind::silence};
// Tableau 10's blue, orange, purple and brown (map_picture.cpp's palette), silence a grey darker than the
// strip's own background, so that it does not read as a gap.
unsigned colour_of(segment_kind k) {
    switch (k) {
        case segment_kind::speech: return 0x4e79a7;
        case segment_kind::music: return 0xf28e2b;
        case segment_kind::speech_over_music: return 0xb07aa1;
        case segment_kind::noise: return 0x9c755f;
        case segment_kind::silence: return 0xc4c4c4;
    }
    return 0xc4c4c4;
}

// A tick spacing that gives about 8 ticks over `span` seconds: 1, 2, 5 x 10^n seconds, or minutes and hours.
double tick_step(double span) {
    const double steps[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
    for (double s : steps)
        if (span / s <= 10) return s;
    return 86400 * std::ceil(span / 86400 / 10);
}

std::string clock(double s) {
    const auto t = static_cast<long long>(std::llround(s));
    char buf[32];
    if (t >= 3600) std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
    else std::snprintf(buf, sizeof buf, "%lld:%02lld", t / 60, t % 60);
    return buf;
}

}  // namespace

void write_timeline_picture(const timeline_report& r, const std::filesystem::path& file,
                            const timeline_picture_options& o) {
    check_picture_file(file, "timeline");
    if (o.width < 400 || o.width > 20000) throw error(error_kind::invalid_input, "timeline picture: the width must be 400 to 20000");
    if (o.max_rows < 1 || o.max_rows > 1000) throw error(error_kind::invalid_input, "timeline picture: 1 to 1000 rows");
    const size_t rows = std::min(r.files.size(), o.max_rows);
    const double margin = 16, name_w = std::min(360.0, o.width * 0.25), row_h = 26, bar_h = 18;
    const double title_h = o.title.empty() ? 0 : 36, legend_h = 34, axis_h = 28;
    const double more_h = r.files.size() > rows ? 22 : 0;
    const int height = static_cast<int>(std::ceil(margin + title_h + legend_h + row_h * static_cast<double>(rows) + axis_h + more_h + margin));
    double longest = 1e-9;
    for (const file_timeline& f : r.files) {
        longest = std::max(longest, f.duration_seconds);
        if (!f.segments.empty()) longest = std::max(longest, f.segments.back().end_seconds);
    }
    double hours[std::size(kinds)] = {};
    for (const file_timeline& f : r.files)
        for (const timeline_segment& s : f.segments) hours[static_cast<size_t>(s.kind)] += (s.end_seconds - s.start_seconds) / 3600;

    write_cairo_picture(file, o.width, height, "timeline", [&](cairo_t* cr) {
        const double w = o.width;
        set_colour(cr, 0xffffff, 1);
        cairo_paint(cr);
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
        double y = margin;
        if (!o.title.empty()) {
            set_colour(cr, 0x222222, 1);
            cairo_set_font_size(cr, 20);
            cairo_move_to(cr, margin, y + 20);
            cairo_show_text(cr, shortened(o.title, 120).c_str());
            y += title_h;
        }
        // The legend: each kind's colour and its hours over the recordings drawn and not.
        cairo_set_font_size(cr, 14);
        double lx = margin;
        for (segment_kind k : kinds) {
            set_colour(cr, colour_of(k), 1);
            cairo_rectangle(cr, lx, y + 4, 14, 14);
            cairo_fill(cr);
            set_colour(cr, 0x222222, 1);
            char text[96];
            std::snprintf(text, sizeof text, "%s %.2f h", segment_kind_name(k), hours[static_cast<size_t>(k)]);
            cairo_move_to(cr, lx + 20, y + 16);
            cairo_show_text(cr, text);
            cairo_text_extents_t ext;
            cairo_text_extents(cr, text, &ext);
            lx += 20 + ext.x_advance + 24;
        }
        y += legend_h;
        const double bx = margin + name_w, bw = w - bx - margin;
        const double scale = bw / longest;
        cairo_set_font_size(cr, 13);
        for (size_t i = 0; i < rows; i++) {
            const file_timeline& f = r.files[i];
            const double top = y + static_cast<double>(i) * row_h;
            set_colour(cr, 0x222222, 1);
            cairo_move_to(cr, margin, top + 14);
            cairo_show_text(cr, shortened(std::filesystem::path(f.path).filename().string(), 40).c_str());
            set_colour(cr, 0xf4f4f4, 1);
            cairo_rectangle(cr, bx, top, std::max(f.duration_seconds, 0.0) * scale, bar_h);
            cairo_fill(cr);
            for (const timeline_segment& s : f.segments) {
                set_colour(cr, colour_of(s.kind), 1);
                // On whole pixels (neighbours meet without an antialiased seam), at least one wide, so that a
                // short silence in a long recording still shows.
                const double x0 = std::round(bx + s.start_seconds * scale), x1 = std::round(bx + s.end_seconds * scale);
                cairo_rectangle(cr, x0, top, std::max(1.0, x1 - x0), bar_h);
                cairo_fill(cr);
            }
        }
        y += row_h * static_cast<double>(rows);
        // The time axis.
        set_colour(cr, 0x555555, 1);
        cairo_set_line_width(cr, 1);
        cairo_move_to(cr, bx, y + 0.5);
        cairo_line_to(cr, bx + bw, y + 0.5);
        cairo_stroke(cr);
        const double step = tick_step(longest);
        cairo_set_font_size(cr, 12);
        for (double t = 0; t <= longest + 1e-9; t += step) {
            const double x = std::round(bx + t * scale) + 0.5;
            cairo_move_to(cr, x, y);
            cairo_line_to(cr, x, y + 5);
            cairo_stroke(cr);
            const std::string label = clock(t);
            cairo_text_extents_t ext;
            cairo_text_extents(cr, label.c_str(), &ext);
            cairo_move_to(cr, std::min(x - ext.x_advance / 2, w - margin - ext.x_advance), y + 19);
            cairo_show_text(cr, label.c_str());
        }
        if (r.files.size() > rows) {
            set_colour(cr, 0x555555, 1);
            cairo_move_to(cr, margin, y + axis_h + 14);
            const std::string more = std::to_string(r.files.size() - rows) + " more recordings not drawn (their hours are in the legend)";
            cairo_show_text(cr, more.c_str());
        }
    });
}

}  // namespace sonavec
