#include "audio/ffmpeg_error.h"

extern "C" {
#include <libavutil/error.h>
}

namespace sonavec {

std::string ffmpeg_error_text(int code) {
    char text[AV_ERROR_MAX_STRING_SIZE] = {};
    av_strerror(code, text, sizeof text);
    return text;
}

}  // namespace sonavec
