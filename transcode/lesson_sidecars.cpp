#include "transcode/lesson_sidecars.hpp"
#include "transcode/cairo_handles.hpp"

#include "transcode/av_error.hpp"
#include "transcode/av_handles.hpp"
#include "transcode/i420_frame.hpp"

#include <fmt/format.h>

#include <cairo.h>
#include <glib.h>
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <fstream>
#include <memory>

namespace tafel::transcode {

namespace {

struct SwsDeleter {
    void operator()(SwsContext* c) const noexcept { sws_freeContext(c); }
};
using Surface = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;

ArgbImage blank(int width, int height) {
    ArgbImage image;
    image.width = width;
    image.height = height;
    image.stride = cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, width);
    image.pixels.assign(static_cast<std::size_t>(image.stride) * static_cast<std::size_t>(height), 0);
    return image;
}

Surface surface_of(ArgbImage& image) {
    return Surface(cairo_image_surface_create_for_data(image.pixels.data(), CAIRO_FORMAT_ARGB32, image.width,
                                                       image.height, image.stride));
}

// `src` scaled into `dst` at (x, y, w, h).
void paint_scaled(ArgbImage& dst, const ArgbImage& src, int x, int y, int w, int h) {
    Surface target = surface_of(dst);
    Surface source(cairo_image_surface_create_for_data(const_cast<std::uint8_t*>(src.pixels.data()),
                                                       CAIRO_FORMAT_ARGB32, src.width, src.height, src.stride));
    std::unique_ptr<cairo_t, CairoDeleter> cr(cairo_create(target.get()));
    cairo_rectangle(cr.get(), x, y, w, h);
    cairo_clip(cr.get());
    cairo_translate(cr.get(), x, y);
    cairo_scale(cr.get(), static_cast<double>(w) / src.width, static_cast<double>(h) / src.height);
    cairo_set_source_surface(cr.get(), source.get(), 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr.get()), CAIRO_FILTER_GOOD);
    cairo_paint(cr.get());
    cairo_surface_flush(target.get());
}

Result<void> write_file(const std::filesystem::path& file, std::string_view bytes) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) return fail(Errc::io, fmt::format("cannot write {}", file.string()));
    return {};
}

} // namespace

std::string vtt_timestamp(std::int64_t t_ms) {
    t_ms = std::max<std::int64_t>(0, t_ms);
    return fmt::format("{:02}:{:02}:{:02}.{:03}", t_ms / 3'600'000, t_ms / 60'000 % 60, t_ms / 1000 % 60, t_ms % 1000);
}

std::string chapter_title_from_text(const std::string& page_text, std::size_t max_chars) {
    std::unique_ptr<gchar, GFreeDeleter> valid(
        g_utf8_make_valid(page_text.c_str(), static_cast<gssize>(page_text.size())));
    const std::string text = valid ? valid.get() : "";
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line;
        for (std::size_t i = start; i < end; ++i) {
            const char c = text[i];
            const bool space = c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
            if (space) {
                if (!line.empty() && line.back() != ' ') line += ' ';
            } else {
                line += c;
            }
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        if (!line.empty()) {
            if (static_cast<std::size_t>(g_utf8_strlen(line.c_str(), -1)) > max_chars) {
                const gchar* cut = g_utf8_offset_to_pointer(line.c_str(), static_cast<glong>(max_chars));
                line.resize(static_cast<std::size_t>(cut - line.c_str()));
                while (!line.empty() && line.back() == ' ') line.pop_back();
                line += "…";
            }
            return line;
        }
        start = end + 1;
    }
    return "";
}

Result<void> write_chapters_vtt(const std::filesystem::path& file, std::span<const ChapterCue> chapters,
                                std::int64_t duration_ms) {
    std::vector<ChapterCue> cues;
    for (const auto& c : chapters) {
        if (c.start_ms >= duration_ms) continue;
        if (!cues.empty() && cues.back().start_ms == c.start_ms) cues.pop_back(); // the later wins
        cues.push_back(c);
    }
    std::string out = "WEBVTT\n";
    for (std::size_t k = 0; k < cues.size(); ++k) {
        const std::int64_t end = k + 1 < cues.size() ? cues[k + 1].start_ms : duration_ms;
        std::string title = cues[k].title;
        for (std::size_t pos; (pos = title.find("-->")) != std::string::npos;) title.replace(pos, 3, "→");
        for (char& ch : title) {
            if (ch == '\n' || ch == '\r') ch = ' ';
        }
        out += fmt::format("\n{}\n{} --> {}\n{}\n", k + 1, vtt_timestamp(cues[k].start_ms), vtt_timestamp(end), title);
    }
    return write_file(file, out);
}

Result<void> write_jpeg(const std::filesystem::path& file, const ArgbImage& image, int qscale) {
    if (image.empty() || image.width % 2 != 0 || image.height % 2 != 0) {
        return fail(Errc::invalid_argument,
                    fmt::format("{}: a {}x{} image (JPEG 4:2:0 needs even sizes)", file.string(), image.width,
                                image.height));
    }
    const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    if (codec == nullptr) return fail(Errc::unsupported, "libavcodec has no MJPEG encoder");
    auto ctx = make_codec_context(*codec);
    if (!ctx) return std::unexpected(ctx.error());
    AVCodecContext* c = ctx->get();
    c->width = image.width;
    c->height = image.height;
    c->pix_fmt = AV_PIX_FMT_YUVJ420P; // full range, as JPEG (JFIF) expects
    c->time_base = AVRational{1, 25};
    c->flags |= AV_CODEC_FLAG_QSCALE;
    c->global_quality = FF_QP2LAMBDA * std::clamp(qscale, 2, 31);
    if (int r = avcodec_open2(c, codec, nullptr); r < 0) return av_fail(r, "avcodec_open2 mjpeg");
    auto frame = make_frame();
    if (!frame) return std::unexpected(frame.error());
    AVFrame* f = frame->get();
    f->width = image.width;
    f->height = image.height;
    f->format = AV_PIX_FMT_YUVJ420P;
    if (int r = av_frame_get_buffer(f, 0); r < 0) return av_fail(r, "av_frame_get_buffer");
    std::unique_ptr<SwsContext, SwsDeleter> sws(sws_getContext(image.width, image.height, AV_PIX_FMT_RGB32, image.width,
                                                               image.height, AV_PIX_FMT_YUVJ420P, SWS_BILINEAR, nullptr,
                                                               nullptr, nullptr));
    if (!sws) return fail(Errc::codec, "swscale: cannot convert to YUVJ420P");
    const std::uint8_t* src[4] = {image.pixels.data(), nullptr, nullptr, nullptr};
    const int src_stride[4] = {image.stride, 0, 0, 0};
    sws_scale(sws.get(), src, src_stride, 0, image.height, f->data, f->linesize);
    f->pts = 0;
    f->quality = c->global_quality;
    if (int r = avcodec_send_frame(c, f); r < 0) return av_fail(r, "avcodec_send_frame mjpeg");
    if (int r = avcodec_send_frame(c, nullptr); r < 0) return av_fail(r, "avcodec_send_frame mjpeg (flush)");
    auto packet = make_packet();
    if (!packet) return std::unexpected(packet.error());
    if (int r = avcodec_receive_packet(c, packet->get()); r < 0) return av_fail(r, "avcodec_receive_packet mjpeg");
    return write_file(file, std::string_view(reinterpret_cast<const char*>((*packet)->data),
                                             static_cast<std::size_t>((*packet)->size)));
}

ThumbnailSheet::ThumbnailSheet(int tile_w, int tile_h, int columns, int rows, std::int64_t interval_ms)
    : tile_w_(tile_w), tile_h_(tile_h), columns_(columns), rows_(rows), interval_ms_(interval_ms) {}

void ThumbnailSheet::add(const ArgbImage& canvas, std::int64_t t_ms) {
    ArgbImage tile = blank(tile_w_, tile_h_);
    if (!canvas.empty()) paint_scaled(tile, canvas, 0, 0, tile_w_, tile_h_);
    tiles_.emplace_back(t_ms, std::move(tile));
    next_ms_ = (t_ms / interval_ms_ + 1) * interval_ms_;
}

Result<std::vector<std::filesystem::path>> ThumbnailSheet::write(const std::filesystem::path& dir,
                                                                 std::int64_t duration_ms) const {
    std::vector<std::filesystem::path> files;
    const std::size_t per_sprite = static_cast<std::size_t>(columns_ * rows_);
    std::string vtt = "WEBVTT\n";
    for (std::size_t first = 0; first < tiles_.size(); first += per_sprite) {
        const std::size_t n = std::min(per_sprite, tiles_.size() - first);
        const int cols = static_cast<int>(std::min<std::size_t>(n, static_cast<std::size_t>(columns_)));
        const int rows = static_cast<int>((n + static_cast<std::size_t>(columns_) - 1) / static_cast<std::size_t>(columns_));
        ArgbImage sprite = blank(cols * tile_w_, rows * tile_h_);
        const std::string name = fmt::format("thumbnails-{}.jpg", first / per_sprite + 1);
        for (std::size_t k = 0; k < n; ++k) {
            const int x = static_cast<int>(k % static_cast<std::size_t>(columns_)) * tile_w_;
            const int y = static_cast<int>(k / static_cast<std::size_t>(columns_)) * tile_h_;
            const auto& [t_ms, tile] = tiles_[first + k];
            paint_scaled(sprite, tile, x, y, tile_w_, tile_h_);
            const std::int64_t end = first + k + 1 < tiles_.size() ? tiles_[first + k + 1].first : duration_ms;
            vtt += fmt::format("\n{} --> {}\n{}#xywh={},{},{},{}\n", vtt_timestamp(t_ms), vtt_timestamp(end), name, x,
                               y, tile_w_, tile_h_);
        }
        if (auto w = write_jpeg(dir / name, sprite, 5); !w) return std::unexpected(w.error());
        files.push_back(dir / name);
    }
    const auto vtt_file = dir / "thumbnails.vtt";
    if (auto w = write_file(vtt_file, vtt); !w) return std::unexpected(w.error());
    files.push_back(vtt_file);
    return files;
}

} // namespace tafel::transcode
