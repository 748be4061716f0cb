// audio_decoder: libavformat probes and demuxes, libavcodec decodes, and the frames go through the
// resampler every sample sonavec embeds goes through (resample.h: soxr, channels averaged to mono).
#include "audio/audio_decoder.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
}

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "audio/ffmpeg_error.h"
#include "audio/resample.h"
#include "audio/riff_declared_size.h"
#include "sonavec/error.h"
#include "util/text_case.h"

namespace sonavec {
namespace {

constexpr int max_channels = 64;             // libswresample's SWR_CH_MAX: its matrix holds no more
constexpr int min_sample_rate = 1000;
constexpr int max_sample_rate = 768000;
constexpr double max_read_seconds = 3600;    // output bound per call: a tiny hostile file can expand to hours
constexpr double max_plausible_duration = 7 * 24 * 3600.0;  // a longer container duration is a lie
constexpr double tail_scan_seconds = 5;      // how far before the declared end the truncation check starts
constexpr int max_bad_packets = 64;          // decode errors tolerated per pass before the file counts as corrupt
constexpr int max_packets_without_audio = 1 << 16;  // a stream that keeps yielding nothing is corrupt, not slow
constexpr size_t max_tags = 256;
constexpr size_t max_tag_bytes = 4096;
// Demuxers that open other files or URLs named inside the input (playlists, manifests, concatenation):
// a hostile "audio file" must not make us read anything but itself.
constexpr std::array<const char*, 9> refused_demuxers = {
    "hls", "dash", "concat", "sdp", "rtsp", "rtp", "ffmetadata", "image2", "webm_dash_manifest"};

struct format_closer {
    void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct codec_freer {
    void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct packet_freer {
    void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct frame_freer {
    void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct dictionary_freer {
    void operator()(AVDictionary* d) const { av_dict_free(&d); }
};
using format_ptr = std::unique_ptr<AVFormatContext, format_closer>;
using codec_ptr = std::unique_ptr<AVCodecContext, codec_freer>;
using packet_ptr = std::unique_ptr<AVPacket, packet_freer>;
using frame_ptr = std::unique_ptr<AVFrame, frame_freer>;

// Reasons a path cannot be decoded that the file system already tells us, before FFmpeg sees it.
void check_readable_file(const std::filesystem::path& path) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) throw error(error_kind::not_found, path.string() + ": no such file");
    if (std::filesystem::is_directory(status))
        throw error(error_kind::invalid_input, path.string() + ": is a directory, not an audio file");
    // A FIFO or device would block or never end.
    if (!std::filesystem::is_regular_file(status))
        throw error(error_kind::unsupported, path.string() + ": not a regular file");
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        if (err == EACCES || err == EPERM)
            throw error(error_kind::io, path.string() + ": permission denied (cannot read the file)");
        throw error(error_kind::io, path.string() + ": cannot open: " + std::strerror(err));
    }
    ::close(fd);
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size == 0) throw error(error_kind::corrupt_file, path.string() + ": empty file (0 bytes)");
}

// Every demuxer this FFmpeg has except the refused ones, as libavformat's format_whitelist wants it.
std::string allowed_demuxers() {
    std::string list;
    void* it = nullptr;
    while (const AVInputFormat* f = av_demuxer_iterate(&it)) {
        const bool refused = std::any_of(refused_demuxers.begin(), refused_demuxers.end(),
                                         [&](const char* name) { return std::strcmp(name, f->name) == 0; });
        if (refused) continue;
        if (!list.empty()) list += ',';
        list += f->name;
    }
    return list;
}

void collect_tags(const AVDictionary* metadata, std::map<std::string, std::string>& tags) {
    const AVDictionaryEntry* e = nullptr;
    while ((e = av_dict_get(metadata, "", e, AV_DICT_IGNORE_SUFFIX)) != nullptr && tags.size() < max_tags) {
        std::string key = ascii_lower(e->key);
        if (key.empty() || key.size() > max_tag_bytes) continue;
        std::string value = e->value;
        if (value.size() > max_tag_bytes) value.resize(max_tag_bytes);
        tags.emplace(std::move(key), std::move(value));  // format-level tags win over stream-level ones
    }
}

void check_frame(const AVFrame* f, const std::string& path) {
    const int channels = f->ch_layout.nb_channels;
    if (channels < 1 || channels > max_channels)
        throw error(error_kind::unsupported,
                    path + ": unsupported channel count " + std::to_string(channels) + " (1 to " +
                        std::to_string(max_channels) + ")");
    if (f->sample_rate < min_sample_rate || f->sample_rate > max_sample_rate)
        throw error(error_kind::unsupported,
                    path + ": unsupported sample rate " + std::to_string(f->sample_rate) + " Hz");
    if (f->format < 0 || f->format >= AV_SAMPLE_FMT_NB)
        throw error(error_kind::corrupt_file, path + ": decoded audio has no sample format");
}

// The frame's samples from `first` on.
void feed_frame(mono_resampler& resampler, const AVFrame* f, int first) {
    const auto format = static_cast<AVSampleFormat>(f->format);
    const int channels = f->ch_layout.nb_channels;
    const int bytes = av_get_bytes_per_sample(format);
    std::array<const uint8_t*, max_channels> planes{};
    if (av_sample_fmt_is_planar(format)) {
        for (int c = 0; c < channels; ++c) planes[c] = f->extended_data[c] + static_cast<size_t>(first) * bytes;
    } else {
        planes[0] = f->extended_data[0] + static_cast<size_t>(first) * bytes * channels;
    }
    resampler.feed({f->sample_rate, channels, f->format}, planes.data(), f->nb_samples - first);
}

}  // namespace

struct audio_decoder::state {
    std::string path;
    int target_rate = 48000;
    audio_info info;

    format_ptr format;
    codec_ptr codec;
    packet_ptr packet{av_packet_alloc()};
    frame_ptr frame{av_frame_alloc()};
    int stream_index = -1;
    AVRational time_base{1, 1};
    int64_t origin_pts = 0;   // pts of the first decoded sample: time zero of every read
    int64_t first_pos = -1;   // input-sample position of the next frame, -1 = not known yet

    // Per decoding pass: the end of the stream, and the error budget.
    bool draining = false;
    bool ended = false;
    int bad_packets = 0;
    int packets_without_audio = 0;
    int last_error = 0;

    void open();
    void start_pass() {
        draining = ended = false;
        bad_packets = packets_without_audio = last_error = 0;
    }
    bool next_frame();
    void note_bad(int code);
    void scan_duration(double declared_end, bool declared_trusted);
    std::vector<float> read_samples(int64_t out_first, int64_t out_count);
};

// Opens (or reopens) the demuxer and decoder at the start of the file.
void audio_decoder::state::open() {
    codec.reset();
    format.reset();
    AVDictionary* raw_options = nullptr;
    av_dict_set(&raw_options, "protocol_whitelist", "file", 0);
    av_dict_set(&raw_options, "format_whitelist", allowed_demuxers().c_str(), 0);
    std::unique_ptr<AVDictionary, dictionary_freer> options(raw_options);

    AVFormatContext* raw_format = nullptr;
    // "file:" so that a name containing ':' is never taken for another protocol.
    const std::string url = "file:" + path;
    raw_options = options.release();
    int r = avformat_open_input(&raw_format, url.c_str(), nullptr, &raw_options);
    options.reset(raw_options);
    if (r < 0) {
        if (r == AVERROR_INVALIDDATA || r == AVERROR(EINVAL))
            throw error(error_kind::corrupt_file, path + ": not a recognised audio file (" + ffmpeg_error_text(r) + ")");
        // The file opened a moment ago (check_readable_file): unless the system says otherwise, what fails
        // now is its content (AVERROR_EOF: it ends before its header does).
        const bool system = r == AVERROR(EIO) || r == AVERROR(EACCES) || r == AVERROR(EPERM) || r == AVERROR(ENOMEM);
        throw error(system ? error_kind::io : error_kind::corrupt_file, path + ": cannot open: " + ffmpeg_error_text(r));
    }
    format.reset(raw_format);
    if ((r = avformat_find_stream_info(format.get(), nullptr)) < 0)
        throw error(error_kind::corrupt_file, path + ": corrupt or unreadable file (" + ffmpeg_error_text(r) + ")");

    const AVCodec* decoder = nullptr;
    r = av_find_best_stream(format.get(), AVMEDIA_TYPE_AUDIO, -1, -1, &decoder, 0);
    if (r == AVERROR_STREAM_NOT_FOUND) throw error(error_kind::corrupt_file, path + ": no audio stream");
    if (r == AVERROR_DECODER_NOT_FOUND || (r >= 0 && decoder == nullptr)) {
        int audio = -1;
        for (unsigned i = 0; i < format->nb_streams; ++i)
            if (format->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) audio = static_cast<int>(i);
        const AVCodecParameters* p = audio >= 0 ? format->streams[audio]->codecpar : nullptr;
        std::string what = p ? avcodec_get_name(p->codec_id) : "unknown";
        if (p && p->codec_id == AV_CODEC_ID_NONE) {
            char tag[32];
            std::snprintf(tag, sizeof tag, "unknown, tag 0x%x", p->codec_tag);
            what = tag;
        }
        throw error(error_kind::unsupported, path + ": unsupported audio codec (" + what + ")");
    }
    if (r < 0) throw error(error_kind::corrupt_file, path + ": cannot select an audio stream: " + ffmpeg_error_text(r));
    stream_index = r;
    AVStream* stream = format->streams[stream_index];
    time_base = stream->time_base;
    if (time_base.num <= 0 || time_base.den <= 0)
        throw error(error_kind::corrupt_file, path + ": corrupt stream time base");
    // Tell the demuxer the other streams (cover art, video) are not wanted.
    for (unsigned i = 0; i < format->nb_streams; ++i)
        if (static_cast<int>(i) != stream_index) format->streams[i]->discard = AVDISCARD_ALL;

    codec.reset(avcodec_alloc_context3(decoder));
    if (!codec) throw error(error_kind::io, path + ": out of memory allocating the decoder");
    if ((r = avcodec_parameters_to_context(codec.get(), stream->codecpar)) < 0)
        throw error(error_kind::corrupt_file, path + ": bad codec parameters: " + ffmpeg_error_text(r));
    codec->pkt_timebase = time_base;
    codec->thread_count = 1;  // callers run one decoder per thread already
    if ((r = avcodec_open2(codec.get(), decoder, nullptr)) < 0)
        throw error(error_kind::corrupt_file,
                    path + ": cannot open the " + avcodec_get_name(stream->codecpar->codec_id) + " decoder (" +
                        ffmpeg_error_text(r) + ")");
    first_pos = 0;
    start_pass();
}

void audio_decoder::state::note_bad(int code) {
    last_error = code;
    if (code == AVERROR(ENOMEM)) throw error(error_kind::io, path + ": out of memory while decoding");
    if (code == AVERROR_PATCHWELCOME || code == AVERROR(ENOSYS))
        throw error(error_kind::unsupported,
                    path + ": uses a codec feature FFmpeg does not support (" + ffmpeg_error_text(code) + ")");
    if (++bad_packets > max_bad_packets)
        throw error(error_kind::corrupt_file,
                    path + ": corrupt audio data (" + std::to_string(bad_packets) +
                        " undecodable packets; last: " + ffmpeg_error_text(code) + ")");
}

// The next decoded frame with samples into `frame`; false at the end of the stream.
bool audio_decoder::state::next_frame() {
    while (!ended) {
        int r = avcodec_receive_frame(codec.get(), frame.get());
        if (r == 0) {
            if (frame->nb_samples <= 0) continue;
            packets_without_audio = 0;
            check_frame(frame.get(), path);
            return true;
        }
        if (r == AVERROR_EOF) {
            ended = true;
            break;
        }
        if (r != AVERROR(EAGAIN)) {
            note_bad(r);
            continue;
        }
        if (draining) {  // a decoder that neither ends nor gives frames after the flush packet
            ended = true;
            break;
        }
        r = av_read_frame(format.get(), packet.get());
        if (r < 0) {
            if (r != AVERROR_EOF) last_error = r;  // a read error ends the stream like a truncated file
            draining = true;
            avcodec_send_packet(codec.get(), nullptr);
            continue;
        }
        if (packet->stream_index != stream_index) {
            av_packet_unref(packet.get());
            continue;
        }
        if (++packets_without_audio > max_packets_without_audio)
            throw error(error_kind::corrupt_file,
                        path + ": corrupt audio data (" + std::to_string(max_packets_without_audio) +
                            " packets in a row without a sample)");
        r = avcodec_send_packet(codec.get(), packet.get());
        av_packet_unref(packet.get());
        if (r < 0 && r != AVERROR(EAGAIN)) note_bad(r);
    }
    return false;
}

// Where the audio really ends, from the packets near the declared end (demuxing only, no decoding):
// catches truncated files and refines durations the container only estimated.
// Appends a frame's samples as interleaved floats, whatever FFmpeg's sample format.
void append_interleaved(const AVFrame* f, std::vector<float>& out) {
    const auto format = static_cast<AVSampleFormat>(f->format);
    const int channels = f->ch_layout.nb_channels;
    const bool planar = av_sample_fmt_is_planar(format);
    const size_t n = static_cast<size_t>(f->nb_samples);
    const size_t base = out.size();
    out.resize(base + n * static_cast<size_t>(channels));
    for (int c = 0; c < channels; ++c) {
        const uint8_t* data = planar ? f->extended_data[c] : f->extended_data[0];
        const size_t stride = planar ? 1 : static_cast<size_t>(channels);
        const size_t offset = planar ? 0 : static_cast<size_t>(c);
        float* dst = out.data() + base + static_cast<size_t>(c);
        for (size_t i = 0; i < n; ++i) {
            const size_t k = i * stride + offset;
            float v = 0;
            switch (av_get_packed_sample_fmt(format)) {
                case AV_SAMPLE_FMT_U8: v = (static_cast<float>(data[k]) - 128.0f) / 128.0f; break;
                case AV_SAMPLE_FMT_S16: v = static_cast<float>(reinterpret_cast<const int16_t*>(data)[k]) / 32768.0f; break;
                case AV_SAMPLE_FMT_S32: v = static_cast<float>(reinterpret_cast<const int32_t*>(data)[k] / 2147483648.0); break;
                case AV_SAMPLE_FMT_S64:
                    v = static_cast<float>(static_cast<double>(reinterpret_cast<const int64_t*>(data)[k]) / 9223372036854775808.0);
                    break;
                case AV_SAMPLE_FMT_FLT: v = reinterpret_cast<const float*>(data)[k]; break;
                case AV_SAMPLE_FMT_DBL: v = static_cast<float>(reinterpret_cast<const double*>(data)[k]); break;
                default: break;
            }
            dst[i * static_cast<size_t>(channels)] = std::isfinite(v) ? v : 0.0f;
        }
    }
}

void audio_decoder::state::scan_duration(double declared_end, bool declared_trusted) {
    if (declared_end > tail_scan_seconds) {
        const double from = declared_end - tail_scan_seconds;
        const int64_t ts = origin_pts + av_rescale_q(static_cast<int64_t>(from * 1e6), AVRational{1, 1000000}, time_base);
        avformat_seek_file(format.get(), stream_index, INT64_MIN, ts, ts, 0);  // on failure: scan from here
    }
    int64_t end_pts = AV_NOPTS_VALUE;
    for (int64_t packets = 0;; ++packets) {
        const int r = av_read_frame(format.get(), packet.get());
        if (r < 0) break;
        if (packet->stream_index == stream_index) {
            const int64_t pts = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
            if (pts != AV_NOPTS_VALUE && packet->duration >= 0 && pts < INT64_MAX - packet->duration) {
                const int64_t end = pts + packet->duration;
                if (end_pts == AV_NOPTS_VALUE || end > end_pts) end_pts = end;
            }
        }
        av_packet_unref(packet.get());
    }
    double scanned_end = -1;
    if (end_pts != AV_NOPTS_VALUE) scanned_end = static_cast<double>(end_pts - origin_pts) * av_q2d(time_base);
    if (!std::isfinite(scanned_end) || scanned_end > max_plausible_duration) scanned_end = -1;

    const double tolerance = std::max(0.5, 0.02 * declared_end);
    if (declared_trusted) {
        if (scanned_end >= 0 && scanned_end < declared_end - tolerance) {
            char text[128];
            std::snprintf(text, sizeof text, "truncated (audio ends at %.2f s, the file declares %.2f s)", scanned_end,
                          declared_end);
            throw error(error_kind::corrupt_file, path + ": " + text);
        }
        info.duration_seconds = scanned_end > declared_end + tolerance ? scanned_end : declared_end;
    } else {
        info.duration_seconds = scanned_end > 0 ? scanned_end : std::max(declared_end, 0.0);
    }
}

// Mono samples [out_first, out_first + out_count) at target_rate, on the grid where output sample 0 is
// the file's first sample. The resampler starts at an input sample that lies exactly on that grid (a
// multiple of in_rate / gcd, resample_start_for), a pre-roll ahead of the window, so a read equals the
// same span of read_all.
std::vector<float> audio_decoder::state::read_samples(int64_t out_first, int64_t out_count) {
    const int in_rate = info.sample_rate;
    const resample_start start = resample_start_for(in_rate, target_rate, out_first);
    const int64_t in_first = start.in_first;

    bool from_start = true;
    if (in_first > 0) {
        const int64_t ts = origin_pts + av_rescale_q(in_first, AVRational{1, in_rate}, time_base);
        if (avformat_seek_file(format.get(), stream_index, INT64_MIN, ts, ts, 0) >= 0) {
            avcodec_flush_buffers(codec.get());
            start_pass();
            first_pos = -1;
            from_start = false;
        }
    }
    if (from_start) open();

    for (;;) {
        mono_resampler resampler(target_rate, out_first - start.out_base, out_count, path);
        int64_t pos = first_pos;
        bool landed_late = false;
        while (!resampler.full() && next_frame()) {
            const int64_t rate = frame->sample_rate;
            if (pos < 0) {  // the first frame after a seek: where did it land?
                const int64_t pts = frame->best_effort_timestamp;
                if (pts == AV_NOPTS_VALUE) {
                    landed_late = true;
                    break;
                }
                pos = av_rescale_q(pts - origin_pts, time_base, AVRational{1, in_rate});
                if (pos > in_first) {
                    landed_late = true;
                    break;
                }
            }
            // Count samples rather than trust every pts: positions stay contiguous within a pass.
            const int64_t length = rate == in_rate ? frame->nb_samples : av_rescale(frame->nb_samples, in_rate, rate);
            const int64_t end = pos + length;
            if (end > in_first) {
                const int64_t skip = pos < in_first ? av_rescale(in_first - pos, rate, in_rate) : 0;
                if (skip < frame->nb_samples) feed_frame(resampler, frame.get(), static_cast<int>(skip));
            }
            pos = end;
        }
        if (landed_late) {  // imprecise seek: decode from the beginning instead
            open();
            continue;
        }
        if (!resampler.full()) resampler.flush();
        return resampler.take();
    }
}

audio_decoder::audio_decoder(const std::filesystem::path& path, int target_rate) : state_(std::make_unique<state>()) {
    state& s = *state_;
    s.path = path.string();
    if (target_rate < 8000 || target_rate > 384000)
        throw error(error_kind::invalid_input,
                    "audio_decoder: target rate " + std::to_string(target_rate) + " Hz is out of range");
    s.target_rate = target_rate;
    if (!s.packet || !s.frame) throw error(error_kind::io, "audio_decoder: out of memory");
    check_readable_file(path);
    // FFmpeg logs to stderr from every decoding thread; our errors carry the reasons instead.
    // SONAVEC_FFMPEG_LOG=1 keeps its log for debugging.
    if (std::getenv("SONAVEC_FFMPEG_LOG") == nullptr) av_log_set_level(AV_LOG_QUIET);
    s.open();
    if (const auto declared = riff_declared_data_end(path)) {
        std::error_code ec;
        const uint64_t size = std::filesystem::file_size(path, ec);
        if (!ec && *declared > size + 1)
            throw error(error_kind::corrupt_file,
                        s.path + ": truncated (the WAV header declares " + std::to_string(*declared) +
                            " bytes, the file has " + std::to_string(size) + ")");
    }

    const AVStream* stream = s.format->streams[s.stream_index];
    s.info.container = s.format->iformat->name;
    s.info.codec = avcodec_get_name(stream->codecpar->codec_id);
    collect_tags(s.format->metadata, s.info.tags);
    collect_tags(stream->metadata, s.info.tags);
    if (!s.info.tags.count("date") && s.info.tags.count("year")) s.info.tags["date"] = s.info.tags["year"];
    if (!s.info.tags.count("year") && s.info.tags.count("date")) {
        const std::string& date = s.info.tags["date"];
        if (date.size() >= 4 && std::all_of(date.begin(), date.begin() + 4, [](char c) { return std::isdigit(c); }))
            s.info.tags["year"] = date.substr(0, 4);
    }

    // The first decoded frame fixes time zero (after encoder priming is dropped) and the real format.
    if (!s.next_frame()) {
        if (s.bad_packets > 0 || s.last_error != 0)
            throw error(error_kind::corrupt_file,
                        s.path + ": corrupt audio data, nothing decodes (" + ffmpeg_error_text(s.last_error) + ")");
        throw error(error_kind::corrupt_file, s.path + ": no audio samples (zero-length audio)");
    }
    s.origin_pts = s.frame->best_effort_timestamp != AV_NOPTS_VALUE ? s.frame->best_effort_timestamp : 0;
    s.info.sample_rate = s.frame->sample_rate;
    s.info.channels = s.frame->ch_layout.nb_channels;

    // Declared duration, relative to time zero.
    double declared_end = -1;
    if (stream->duration > 0 && stream->duration != AV_NOPTS_VALUE) {
        const int64_t start = stream->start_time != AV_NOPTS_VALUE ? stream->start_time : s.origin_pts;
        declared_end = static_cast<double>(start - s.origin_pts + stream->duration) * av_q2d(s.time_base);
    } else if (s.format->duration > 0 && s.format->duration != AV_NOPTS_VALUE) {
        declared_end = static_cast<double>(s.format->duration) / AV_TIME_BASE;
    }
    const bool plausible = std::isfinite(declared_end) && declared_end > 0 && declared_end <= max_plausible_duration;
    const bool trusted = plausible && s.format->duration_estimation_method != AVFMT_DURATION_FROM_BITRATE;
    s.scan_duration(plausible ? declared_end : -1, trusted);
    if (s.info.duration_seconds <= 0)
        throw error(error_kind::corrupt_file, s.path + ": no audio samples (zero-length audio)");
}

audio_decoder::~audio_decoder() = default;

const audio_info& audio_decoder::info() const { return state_->info; }

int audio_decoder::target_rate() const { return state_->target_rate; }

std::vector<float> audio_decoder::read(double start_seconds, double length_seconds) {
    if (!std::isfinite(start_seconds) || !std::isfinite(length_seconds))
        throw error(error_kind::invalid_input, state_->path + ": read window is not finite");
    if (start_seconds < 0) {
        length_seconds += start_seconds;
        start_seconds = 0;
    }
    if (start_seconds > max_plausible_duration) return {};
    const output_span span = output_span_at(start_seconds, std::min(length_seconds, max_read_seconds), state_->target_rate);
    if (span.count <= 0) return {};
    return state_->read_samples(span.first, span.count);
}

int64_t audio_decoder::read_native(double max_seconds, const native_sink& sink) {
    if (std::isnan(max_seconds)) throw error(error_kind::invalid_input, state_->path + ": read length is not a number");
    state& s = *state_;
    const double seconds = std::clamp(max_seconds, 0.0, max_plausible_duration);
    const int64_t max_frames = static_cast<int64_t>(seconds * s.info.sample_rate);
    const size_t channels = static_cast<size_t>(s.info.channels);
    std::vector<float> buffer;
    int64_t delivered = 0;
    s.open();
    while (delivered < max_frames && s.next_frame()) {
        if (s.frame->sample_rate != s.info.sample_rate || s.frame->ch_layout.nb_channels != s.info.channels) break;
        buffer.clear();
        append_interleaved(s.frame.get(), buffer);
        const int64_t frames = std::min<int64_t>(static_cast<int64_t>(buffer.size() / channels), max_frames - delivered);
        if (frames > 0) sink(buffer.data(), static_cast<size_t>(frames));
        delivered += frames;
    }
    return delivered;
}

std::vector<float> audio_decoder::read_all(double max_seconds) {
    if (std::isnan(max_seconds)) throw error(error_kind::invalid_input, state_->path + ": read length is not a number");
    return read(0, std::min(max_seconds, max_read_seconds));
}

}  // namespace sonavec
