#include "player/detail/pages.hpp"

#include "player/detail/html.hpp"

#include <fmt/format.h>

namespace tafel::player::detail {

namespace {

std::string display_title(const storage::RecordingRow& r) {
    return r.title.empty() ? fmt::format("Aufzeichnung vom {}", format_date_de(r.started_utc_us))
                           : r.title;
}

std::string head(const std::string& title) {
    return fmt::format(R"(<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{} – tafel</title>
<link rel="stylesheet" href="/assets/player.css">
<script src="/assets/local-time.js" defer></script>
</head>
)",
                       escape(title));
}

// "Klasse 7b · <time>14.11.2023, 22:13 UTC</time> · 45:00"
std::string meta_line(const storage::RecordingRow& r) {
    std::string out;
    if (!r.context.empty()) out += fmt::format(R"(<span class="context">{}</span> · )", escape(r.context));
    out += fmt::format(R"(<time datetime="{}">{}</time>)", format_iso8601(r.started_utc_us),
                       escape(format_date_de(r.started_utc_us)));
    if (r.duration_ms > 0)
        out += fmt::format(R"( · <span class="duration" aria-label="Dauer">{}</span>)",
                           format_duration(r.duration_ms));
    return out;
}

} // namespace

std::string page_url(const std::string& id) { return "/r/" + id; }

std::string media_url(const std::string& id, const std::string& name) {
    return "/r/" + id + "/media/" + name;
}

std::string render_list_page(const std::vector<storage::RecordingRow>& recordings) {
    std::string html = head("Aufzeichnungen");
    html += R"(<body>
<header class="page"><h1>Aufzeichnungen</h1></header>
<main>
)";
    if (recordings.empty()) {
        html += "<p class=\"empty\">Noch keine veröffentlichten Aufzeichnungen.</p>\n";
    } else {
        html += "<ul class=\"recordings\">\n";
        for (const auto& r : recordings) {
            html += fmt::format(R"(<li><a class="card" href="{}"><span class="title">{}</span><span class="meta">{}</span></a></li>
)",
                                page_url(r.id), escape(display_title(r)), meta_line(r));
        }
        html += "</ul>\n";
    }
    html += "</main>\n</body>\n</html>\n";
    return html;
}

std::string render_playback_page(const storage::RecordingRow& r, PlaybackSources sources) {
    const std::string title = display_title(r);
    std::string html = head(title);
    html += fmt::format(R"(<body>
<header class="page">
<a class="back" href="/">← Alle Aufzeichnungen</a>
<h1>{}</h1>
<p class="meta">{}</p>
</header>
<main class="stage">
<div class="video">
<video id="lesson" controls playsinline preload="metadata">
)",
                        escape(title), meta_line(r));
    if (sources.mp4)
        html += fmt::format("<source src=\"{}\" type=\"video/mp4\">\n", media_url(r.id, "lesson.mp4"));
    if (sources.webm)
        html += fmt::format("<source src=\"{}\" type=\"video/webm\">\n", media_url(r.id, "lesson.webm"));
    html += fmt::format(R"(<p>Ihr Browser kann dieses Video nicht abspielen. <a href="{}">Video herunterladen</a></p>
</video>
</div>
<aside class="chat" aria-labelledby="chat-heading">
<h2 id="chat-heading">Chat</h2>
<ol id="chat" class="chat-list" data-src="{}"><li class="status">Chat wird geladen …</li></ol>
</aside>
</main>
<script src="/assets/player.js" defer></script>
</body>
</html>
)",
                        media_url(r.id, sources.mp4 ? "lesson.mp4" : "lesson.webm"),
                        media_url(r.id, "chat.json"));
    return html;
}

} // namespace tafel::player::detail
