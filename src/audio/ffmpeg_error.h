// FFmpeg's text for one of its error codes, for messages (only src/audio/ includes FFmpeg).
#pragma once
#include <string>

namespace sonavec {

std::string ffmpeg_error_text(int code);

}  // namespace sonavec
