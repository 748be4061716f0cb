// What the library's pictures (the map, the timeline) share: one drawing through cairo onto an image
// surface (PNG) or an SVG surface, chosen by the file's extension, collected in memory and written
// atomically; a colour as 0xRRGGBB; text cut to fit.
#pragma once
#include <cairo.h>

#include <filesystem>
#include <functional>
#include <string>

namespace sonavec {

// invalid_input unless the file's extension is .png or .svg (any case), naming `what`.
void check_picture_file(const std::filesystem::path& file, const char* what);

// Throws invalid_input when the extension is neither .png nor .svg (naming `what`), io when cairo fails.
void write_cairo_picture(const std::filesystem::path& file, int width, int height, const char* what,
                         const std::function<void(cairo_t*)>& draw);

void set_colour(cairo_t* cr, unsigned rgb, double alpha);

// At most `most` bytes, cut at a UTF-8 character's start and ended with an ellipsis when cut.
std::string shortened(const std::string& s, size_t most);

}  // namespace sonavec
