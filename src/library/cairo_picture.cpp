#include "library/cairo_picture.h"

#include <cairo-svg.h>

#include <memory>

#include "sonavec/atomic_file.h"
#include "sonavec/error.h"
#include "util/text_case.h"

namespace sonavec {

namespace {

cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
}

}  // namespace

void set_colour(cairo_t* cr, unsigned rgb, double alpha) {
    cairo_set_source_rgba(cr, ((rgb >> 16) & 255) / 255.0, ((rgb >> 8) & 255) / 255.0, (rgb & 255) / 255.0, alpha);
}

std::string shortened(const std::string& s, size_t most) {
    if (s.size() <= most) return s;
    size_t cut = most - 1;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) cut--;  // not inside a UTF-8 character
    return s.substr(0, cut) + "\u2026";
}

void check_picture_file(const std::filesystem::path& file, const char* what) {
    const std::string ext = ascii_lower(file.extension().string());
    if (ext != ".png" && ext != ".svg")
        throw error(error_kind::invalid_input, file.string() + ": the " + what + " picture is written as .png or .svg");
}

void write_cairo_picture(const std::filesystem::path& file, int width, int height, const char* what,
                         const std::function<void(cairo_t*)>& draw) {
    check_picture_file(file, what);
    const std::string ext = ascii_lower(file.extension().string());
    std::string bytes;
    cairo_surface_t* surface = ext == ".png" ? cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height)
                                             : cairo_svg_surface_create_for_stream(append_bytes, &bytes, width, height);
    std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> own_surface(surface, cairo_surface_destroy);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS)
        throw error(error_kind::io, std::string(what) + " picture: cairo cannot make the surface (" +
                                        cairo_status_to_string(cairo_surface_status(surface)) + ")");
    {
        std::unique_ptr<cairo_t, decltype(&cairo_destroy)> cr(cairo_create(surface), cairo_destroy);
        draw(cr.get());
        if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS)
            throw error(error_kind::io, std::string(what) + " picture: drawing failed (" + cairo_status_to_string(cairo_status(cr.get())) + ")");
    }
    if (ext == ".png") {
        const cairo_status_t st = cairo_surface_write_to_png_stream(surface, append_bytes, &bytes);
        if (st != CAIRO_STATUS_SUCCESS)
            throw error(error_kind::io, std::string(what) + " picture: PNG encoding failed (" + cairo_status_to_string(st) + ")");
    } else {
        cairo_surface_finish(surface);  // the SVG is complete only when the surface is finished
    }
    own_surface.reset();
    write_file_atomically(file, bytes);
}

}  // namespace sonavec
