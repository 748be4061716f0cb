#include "audio/audio_packets.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <cstdint>
#include <memory>

#include "audio/ffmpeg_error.h"
#include "sonavec/error.h"
#include "util/sha256.h"

namespace sonavec {

namespace {

struct format_closer {
    void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct packet_freer {
    void operator()(AVPacket* p) const { av_packet_free(&p); }
};

void hash_number(sha256& h, int64_t v) { h.update(&v, sizeof v); }

}  // namespace

std::string audio_packet_digest(const std::filesystem::path& path) {
    const std::string name = path.string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw error(error_kind::not_found, name + ": no such file");
    AVDictionary* options = nullptr;
    av_dict_set(&options, "protocol_whitelist", "file", 0);
    // Only the containers whose tags we write: nothing that opens other files named inside.
    av_dict_set(&options, "format_whitelist", "mp3,flac,ogg,mov,wav,aiff", 0);
    AVFormatContext* raw = nullptr;
    const std::string url = "file:" + name;
    int r = avformat_open_input(&raw, url.c_str(), nullptr, &options);
    av_dict_free(&options);
    if (r < 0) throw error(error_kind::corrupt_file, name + ": not a readable audio file (" + ffmpeg_error_text(r) + ")");
    std::unique_ptr<AVFormatContext, format_closer> format(raw);
    if ((r = avformat_find_stream_info(format.get(), nullptr)) < 0)
        throw error(error_kind::corrupt_file, name + ": corrupt or unreadable file (" + ffmpeg_error_text(r) + ")");
    const int stream = av_find_best_stream(format.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
    if (stream < 0) throw error(error_kind::corrupt_file, name + ": no audio stream");
    const AVCodecParameters* par = format->streams[stream]->codecpar;

    sha256 h;
    hash_number(h, par->codec_id);
    hash_number(h, par->sample_rate);
    hash_number(h, par->ch_layout.nb_channels);
    std::unique_ptr<AVPacket, packet_freer> packet(av_packet_alloc());
    if (!packet) throw error(error_kind::io, name + ": out of memory");
    int64_t packets = 0;
    while ((r = av_read_frame(format.get(), packet.get())) >= 0) {
        if (packet->stream_index == stream) {
            hash_number(h, packet->pts);
            hash_number(h, packet->dts);
            hash_number(h, packet->duration);
            hash_number(h, packet->size);
            if (packet->size > 0) h.update(packet->data, static_cast<size_t>(packet->size));
            ++packets;
        }
        av_packet_unref(packet.get());
    }
    if (r != AVERROR_EOF) throw error(error_kind::corrupt_file, name + ": cannot read its audio (" + ffmpeg_error_text(r) + ")");
    if (packets == 0) throw error(error_kind::corrupt_file, name + ": no audio packets");
    hash_number(h, packets);
    return h.finish_hex();
}

}  // namespace sonavec
