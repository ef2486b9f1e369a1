#include "storage/lesson_export.hpp"

#include "core/html_escape.hpp"
#include "core/ids.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

namespace tafel::storage {

namespace fs = std::filesystem;

namespace {

using tafel::html_escape;

std::string clock(std::int64_t ms) {
    const std::int64_t s = ms / 1000;
    return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                     : fmt::format("{}:{:02}", s / 60, s % 60);
}

struct Cue {
    std::int64_t t_ms;
    std::string text;
};

// The start and first text line of each cue of a WebVTT file (W3C WebVTT, 4.1: "HH:MM:SS.mmm"
// or "MM:SS.mmm" timestamps); enough for a chapter list.
std::vector<Cue> read_vtt_cues(const fs::path& file) {
    std::vector<Cue> cues;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        const auto arrow = line.find("-->");
        if (arrow == std::string::npos) continue;
        std::string start = line.substr(0, arrow);
        while (!start.empty() && start.back() == ' ') start.pop_back();
        std::int64_t parts[3] = {0, 0, 0};
        int n = 0, ms = 0;
        std::istringstream ts(start);
        std::string field;
        while (std::getline(ts, field, ':') && n < 3) {
            const auto dot = field.find('.');
            if (dot != std::string::npos) {
                ms = std::atoi(field.substr(dot + 1).c_str());
                field = field.substr(0, dot);
            }
            parts[n++] = std::atoll(field.c_str());
        }
        const std::int64_t seconds = n == 3 ? parts[0] * 3600 + parts[1] * 60 + parts[2] : parts[0] * 60 + parts[1];
        std::string text;
        std::getline(in, text);
        cues.push_back({seconds * 1000 + ms, text});
    }
    return cues;
}

nlohmann::json read_json(const fs::path& file) {
    std::ifstream in(file);
    if (!in) return nullptr;
    return nlohmann::json::parse(in, nullptr, false);
}

std::string page(const nlohmann::json& manifest, const nlohmann::json& chat, const std::vector<Cue>& chapters,
                 const fs::path& dir) {
    const std::string title = manifest.is_object() && manifest.contains("title") && manifest["title"].is_string()
                                  ? manifest["title"].get<std::string>()
                                  : std::string("Unterricht");
    std::string sources;
    for (const char* name : {"lesson.webm", "lesson.mp4"}) {
        if (fs::exists(dir / name))
            sources += fmt::format("<source src=\"{}\" type=\"video/{}\">", name,
                                   std::string_view(name).ends_with("webm") ? "webm" : "mp4");
    }
    std::string tracks;
    if (fs::exists(dir / "captions.vtt")) tracks += "<track kind=\"captions\" src=\"captions.vtt\" default>";
    std::string chapter_items;
    for (const Cue& c : chapters)
        chapter_items += fmt::format("<li><a href=\"#t={0}\" data-t=\"{0}\">{1}</a> {2}</li>\n", c.t_ms / 1000.0,
                                     clock(c.t_ms), html_escape(c.text));
    std::string chat_items;
    if (chat.is_array()) {
        for (const auto& line : chat) {
            if (!line.is_object()) continue;
            const std::int64_t t = line.value("t_ms", std::int64_t{0});
            chat_items += fmt::format("<li><a href=\"#t={0}\" data-t=\"{0}\">{1}</a> <b>{2}</b> {3}</li>\n",
                                      t / 1000.0, clock(t), html_escape(line.value("name", std::string())),
                                      html_escape(line.value("text", std::string())));
        }
    }
    // Everything inline: the page must work from file:// with no network.
    return fmt::format(R"html(<!doctype html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{0}</title>
<style>
body {{ font-family: sans-serif; margin: 1rem auto; max-width: 72rem; padding: 0 1rem; }}
video {{ width: 100%; background: #000; }}
.cols {{ display: flex; gap: 2rem; flex-wrap: wrap; }}
.cols section {{ flex: 1 1 20rem; }}
ul {{ list-style: none; padding: 0; }} li {{ margin: .25rem 0; }}
</style></head>
<body>
<h1>{0}</h1>
<video id="v" controls preload="metadata">{1}{2}</video>
<div class="cols">
<section><h2>Kapitel</h2><ul>
{3}</ul></section>
<section><h2>Chat</h2><ul>
{4}</ul></section>
</div>
<script>
document.querySelectorAll('a[data-t]').forEach(function (a) {{
  a.addEventListener('click', function (e) {{
    e.preventDefault();
    var v = document.getElementById('v');
    v.currentTime = parseFloat(a.dataset.t);
    v.play();
  }});
}});
</script>
</body></html>
)html",
                       html_escape(title), sources, tracks, chapter_items, chat_items);
}

} // namespace

Result<fs::path> export_lesson(const Layout& layout, const std::string& id, const fs::path& target) {
    if (!is_safe_id(id)) return fail(Errc::invalid_argument, fmt::format("export \"{}\": not a safe id", id));
    const fs::path source = layout.published_dir(id);
    std::error_code ec;
    if (!fs::is_directory(source, ec))
        return fail(Errc::not_found, fmt::format("export {}: the recording is not published ({} is missing)", id,
                                                 source.string()));
    if (fs::exists(target, ec) && !fs::is_empty(target, ec))
        return fail(Errc::already_exists, fmt::format("export {}: {} exists and is not empty", id, target.string()));
    fs::create_directories(target, ec);
    if (ec) return fail(Errc::io, fmt::format("create {}: {}", target.string(), ec.message()));
    fs::copy(source, target, fs::copy_options::recursive, ec);
    if (ec) return fail(Errc::io, fmt::format("copy {} to {}: {}", source.string(), target.string(), ec.message()));

    const auto chapters = fs::exists(target / "chapters.vtt") ? read_vtt_cues(target / "chapters.vtt") : std::vector<Cue>{};
    const std::string html =
        page(read_json(target / "manifest.json"), read_json(target / "chat.json"), chapters, target);
    const fs::path index = target / "index.html";
    std::ofstream out(index, std::ios::binary | std::ios::trunc);
    out << html;
    out.flush();
    if (!out) return fail(Errc::io, fmt::format("write {}", index.string()));
    return index;
}

} // namespace tafel::storage
