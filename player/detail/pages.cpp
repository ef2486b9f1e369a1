#include "player/detail/pages.hpp"

#include "player/detail/audio_stream.hpp"
#include "player/detail/html.hpp"

#include <fmt/format.h>

namespace tafel::player::detail {

namespace {

// Every string a page shows, in both languages; the scripts keep their own table
// (player.js) and read the language from <html lang>.
struct Strings {
    const char* html_lang;
    const char* recordings;
    const char* none_yet;
    const char* recording_of;
    const char* duration;
    const char* all_recordings;
    const char* other_lang_name;
    const char* other_lang_code;
    const char* cannot_play;
    const char* download;
    const char* speed;
    const char* shortcuts;
    const char* playback;
    const char* chapters;
    const char* chat;
    const char* chat_search;
    const char* chat_loading;
    const char* help_title;
    const char* close;
    const char* k_play;
    const char* k_back5;
    const char* k_fwd5;
    const char* k_back10;
    const char* k_fwd10;
    const char* k_chapters;
    const char* k_full;
    const char* k_help;
    const char* manage;
    const char* state_published;
    const char* state_unpublished;
    const char* publish;
    const char* unpublish;
    const char* title_label;
    const char* rename;
    const char* retention;
    const char* retention_set;
    const char* delete_label;
    const char* delete_confirm;
    const char* notes;
    const char* notes_open;
    const char* video_processing;
    const char* audio_only;
    const char* cannot_play_audio;
    const char* parts_ready;
    const char* audio_streaming;
    const char* audio_complete;
    const char* video_follows;
};

// One table per language, written as rows of related strings.
// clang-format off
constexpr Strings k_de{
    "de", "Aufzeichnungen", "Noch keine veröffentlichten Aufzeichnungen.", "Aufzeichnung vom {}",
    "Dauer", "← Alle Aufzeichnungen", "English", "en",
    "Ihr Browser kann dieses Video nicht abspielen.", "Video herunterladen", "Tempo",
    "Tastenkürzel", "Wiedergabe", "Kapitel", "Chat", "Chat durchsuchen", "Chat wird geladen …",
    "Tastenkürzel", "Schließen", "Abspielen / Pause", "5 Sekunden zurück", "5 Sekunden vor",
    "10 Sekunden zurück", "10 Sekunden vor", "Vorheriges / nächstes Kapitel", "Vollbild",
    "Diese Hilfe", "Verwalten", "Veröffentlicht: für Schüler·innen sichtbar.",
    "Nicht veröffentlicht: nur für Lehrkräfte sichtbar.", "Veröffentlichen", "Veröffentlichung zurückziehen",
    "Titel", "Umbenennen", "Löschen am", "Löschdatum setzen", "Aufzeichnung löschen",
    "Diese Aufzeichnung endgültig löschen?", "Geteilte Notizen", "Notizen als Text öffnen",
    "Das Video wird noch verarbeitet. Ton, Kapitel und Chat sind schon da – das Video erscheint hier, sobald es fertig ist.",
    "Nur Ton – Video folgt", "Ihr Browser kann diesen Ton nicht abspielen.",
    "Was schon da ist", "Ton wird bereitgestellt …", "Ton vollständig", "Video folgt – wird noch verarbeitet"};

constexpr Strings k_en{
    "en", "Recordings", "No published recordings yet.", "Recording of {}", "Duration",
    "← All recordings", "Deutsch", "de", "Your browser cannot play this video.",
    "Download video", "Speed", "Keyboard shortcuts", "Playback", "Chapters", "Chat",
    "Search the chat", "Loading chat …", "Keyboard shortcuts", "Close", "Play / pause",
    "Back 5 seconds", "Forward 5 seconds", "Back 10 seconds", "Forward 10 seconds",
    "Previous / next chapter", "Full screen", "This help", "Manage", "Published: pupils can see it.",
    "Not published: only teachers can see it.", "Publish", "Unpublish", "Title", "Rename", "Delete on",
    "Set deletion date", "Delete recording", "Delete this recording for good?", "Shared notes",
    "Open the notes as text",
    "The video is still being processed. Audio, chapters and chat are ready – the video appears here as soon as it is done.",
    "Audio only – video follows", "Your browser cannot play this audio.",
    "What is ready", "Audio is being prepared …", "Audio complete", "Video follows – still being processed"};

// clang-format on

const Strings& strings(Lang lang) { return lang == Lang::en ? k_en : k_de; }

// Links keep the language the viewer chose; German needs no parameter.
std::string with_lang(const std::string& url, Lang lang) {
    return lang == Lang::en ? url + "?lang=en" : url;
}

std::string display_title(const storage::RecordingRow& r, const Strings& t) {
    return r.title.empty() ? fmt::format(fmt::runtime(t.recording_of), format_date_de(r.started_utc_us))
                           : r.title;
}

std::string head(const std::string& title, const Strings& t) {
    return fmt::format(R"(<!doctype html>
<html lang="{}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light dark">
<title>{} – tafel</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/player.css">
<script src="/assets/local-time.js" defer></script>
</head>
)",
                       t.html_lang, escape(title));
}

// "Klasse 7b · <time>14.11.2023, 22:13 UTC</time> · 45:00"
std::string meta_line(const storage::RecordingRow& r, const Strings& t) {
    std::string out;
    if (!r.context.empty()) out += fmt::format(R"(<span class="context">{}</span> · )", escape(r.context));
    out += fmt::format(R"(<time datetime="{}">{}</time>)", format_iso8601(r.started_utc_us),
                       escape(format_date_de(r.started_utc_us)));
    if (r.duration_ms > 0)
        out += fmt::format(R"( · <span class="duration" aria-label="{}">{}</span>)", t.duration,
                           format_duration(r.duration_ms));
    return out;
}

std::string lang_switch(const std::string& url, const Strings& t) {
    const std::string target = t.other_lang_code == std::string_view("en") ? url + "?lang=en" : url;
    return fmt::format(R"(<a class="lang" href="{}" hreflang="{}" lang="{}">{}</a>)", target,
                       t.other_lang_code, t.other_lang_code, t.other_lang_name);
}

// The audio-only page's scripts, before player.js (deferred scripts run in order): parts.js
// listens before the stream loader (hls-audio.js) reports anything.
std::string audio_scripts(const PlaybackSources& sources) {
    if (!sources.video_pending) return {};
    std::string out = "<script src=\"/assets/parts.js\" defer></script>\n";
    if (sources.stream) out += "<script src=\"/assets/hls-audio.js\" defer></script>\n";
    return out;
}

std::string help_dialog(const Strings& t) {
    const std::pair<const char*, const char*> keys[] = {
        {"<kbd>Leertaste</kbd>", t.k_play}, {"<kbd>←</kbd>", t.k_back5},  {"<kbd>→</kbd>", t.k_fwd5},
        {"<kbd>J</kbd>", t.k_back10},        {"<kbd>L</kbd>", t.k_fwd10}, {"<kbd>↑</kbd> <kbd>↓</kbd>", t.k_chapters},
        {"<kbd>F</kbd>", t.k_full},          {"<kbd>?</kbd>", t.k_help},
    };
    std::string rows;
    for (const auto& [key, what] : keys) {
        std::string k = key;
        if (t.html_lang == std::string_view("en") && k == "<kbd>Leertaste</kbd>") k = "<kbd>Space</kbd>";
        rows += fmt::format("<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n", k, what);
    }
    return fmt::format(R"(<dialog id="help" aria-labelledby="help-title">
<h2 id="help-title">{}</h2>
<table class="keys">
{}</table>
<form method="dialog"><button type="submit" class="primary">{}</button></form>
</dialog>
)",
                       t.help_title, rows, t.close);
}

} // namespace

Lang lang_from_query(std::string_view query) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        if (pair == "lang=en") return Lang::en;
        if (pair.starts_with("lang=")) return Lang::de;
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return Lang::de;
}

std::string page_url(const std::string& id) { return "/r/" + id; }

std::string media_url(const std::string& id, const std::string& name) {
    return "/r/" + id + "/media/" + name;
}

std::string render_list_page(const std::vector<storage::RecordingRow>& recordings, Lang lang) {
    const Strings& t = strings(lang);
    std::string html = head(t.recordings, t);
    html += fmt::format(R"(<body>
<header class="page">
<nav class="top">{}</nav>
<h1>{}</h1>
</header>
<main>
)",
                        lang_switch("/", t), t.recordings);
    if (recordings.empty()) {
        html += fmt::format("<p class=\"empty\">{}</p>\n", t.none_yet);
    } else {
        html += "<ul class=\"recordings\">\n";
        for (const auto& r : recordings) {
            // Progressive publishing: the audio is out, the video still being encoded.
            const bool video_pending = (r.ready_parts & storage::k_part_video) == 0 &&
                                       r.state != storage::RecordingState::published &&
                                       r.state != storage::RecordingState::unpublished;
            html += fmt::format(
                R"(<li><a class="card" href="{}"><span class="title">{}</span><span class="meta">{}</span>{}</a></li>
)",
                with_lang(page_url(r.id), lang), escape(display_title(r, t)), meta_line(r, t),
                video_pending ? fmt::format(R"(<span class="parts">{}</span>)", t.audio_only) : std::string{});
        }
        html += "</ul>\n";
    }
    html += "</main>\n</body>\n</html>\n";
    return html;
}

namespace {

// The owner's controls; player.js sends them as JSON to /r/<id>/manage/<action> (the
// session cookie's path).
std::string manage_panel(const storage::RecordingRow& r, const Strings& t) {
    const bool published = r.state == storage::RecordingState::published;
    const std::string delete_after =
        r.delete_after_utc_us > 0 ? format_iso8601(r.delete_after_utc_us).substr(0, 10) : std::string{};
    return fmt::format(R"(<section class="panel manage" aria-labelledby="manage-heading" id="manage" data-state="{}" data-delete-confirm="{}">
<h2 id="manage-heading">{}</h2>
<p id="manage-state" role="status">{}</p>
<button type="button" id="manage-publish" data-action="{}">{}</button>
<form id="manage-rename" class="manage-row"><label>{} <input id="manage-title" name="title" value="{}" maxlength="200" required></label> <button type="submit">{}</button></form>
<form id="manage-retention" class="manage-row"><label>{} <input id="manage-delete-after" name="delete_after" type="date" value="{}"{}></label> <button type="submit">{}</button></form>
<button type="button" id="manage-delete" class="danger">{}</button>
</section>
)",
                       published ? "published" : "unpublished", escape(t.delete_confirm), t.manage,
                       published ? t.state_published : t.state_unpublished, published ? "unpublish" : "publish",
                       published ? t.unpublish : t.publish, t.title_label, escape(r.title), t.rename, t.retention,
                       delete_after, delete_after.empty() ? "" : fmt::format(" max=\"{}\"", delete_after),
                       t.retention_set, t.delete_label);
}

} // namespace

std::string render_playback_page(const storage::RecordingRow& r, PlaybackSources sources, Lang lang) {
    const Strings& t = strings(lang);
    const std::string title = display_title(r, t);
    std::string html = head(title, t);
    html += fmt::format(R"(<body>
<header class="page">
<nav class="top"><a class="back" href="{}">{}</a>{}</nav>
<h1>{}</h1>
<p class="meta">{}</p>
</header>
<main class="stage" data-recording="{}" data-parts="{}">
<div class="player">
)",
                        with_lang("/", lang), t.all_recordings, lang_switch(page_url(r.id), t), escape(title),
                        meta_line(r, t), r.id, sources.video_pending ? "audio" : "audio video");
    if (sources.video_pending) {
        // Progressive publishing (issue 6): the audio-only part is published, the video is
        // still being encoded. The same id, so that player.js drives chapters, chat, speed
        // and resume for it as for the video; parts.js shows what is ready, watches the
        // manifest and switches to the video once it is published.
        const std::string stream = media_url(r.id, std::string(k_stream_manifest_path));
        html += fmt::format(R"(<div class="audio-only" data-manifest="{}">
<p class="processing" id="video-processing" role="status">{}</p>
<ul class="parts" id="parts" aria-label="{}">
<li id="part-audio" data-state="{}">{}</li>
<li id="part-video" data-state="pending">{}</li>
</ul>
<audio id="lesson" controls preload="metadata"{}>
)",
                            media_url(r.id, "manifest.json"), t.video_processing, t.parts_ready,
                            sources.stream ? "streaming" : "complete",
                            sources.stream ? t.audio_streaming : t.audio_complete, t.video_follows,
                            sources.stream ? fmt::format(" data-stream=\"{}\"", stream) : std::string{});
        // The growing stream (HLS, RFC 8216) while the preview encodes is attached by
        // hls-audio.js (data-stream), not as a <source>: a browser with both its own HLS and
        // MSE would start loading it natively before the script could choose MSE. Once the
        // audio is complete, the files: AAC first (Safari plays only that), Opus in WebM.
        if (sources.m4a) html += fmt::format("<source src=\"{}\" type=\"audio/mp4\">\n", media_url(r.id, "lesson.m4a"));
        if (sources.opus)
            html += fmt::format("<source src=\"{}\" type=\"audio/webm\">\n", media_url(r.id, "lesson.opus.webm"));
        html += fmt::format("<p>{}</p>\n</audio>\n</div>\n", t.cannot_play_audio);
    } else {
        html +=
            fmt::format(R"(<div class="video">
<video id="lesson" controls playsinline preload="metadata"{}{}>
)",
                        sources.poster ? fmt::format(" poster=\"{}\"", media_url(r.id, "poster.jpg")) : std::string{},
                        sources.thumbnails ? fmt::format(" data-thumbnails=\"{}\"", media_url(r.id, "thumbnails.vtt"))
                                           : std::string{});
        if (sources.mp4) html += fmt::format("<source src=\"{}\" type=\"video/mp4\">\n", media_url(r.id, "lesson.mp4"));
        if (sources.webm)
            html += fmt::format("<source src=\"{}\" type=\"video/webm\">\n", media_url(r.id, "lesson.webm"));
        if (sources.captions)
            html += fmt::format("<track kind=\"captions\" src=\"{}\" srclang=\"de\" label=\"Deutsch\">\n",
                                media_url(r.id, "captions.vtt"));
        for (const auto& c : sources.caption_tracks)
            html += fmt::format("<track kind=\"captions\" src=\"{}\" srclang=\"{}\" label=\"{}\">\n",
                                media_url(r.id, c.file), escape(c.lang), escape(c.label));
        html += fmt::format("<p>{}</p>\n</video>\n</div>\n", t.cannot_play);
    }
    // The download route names the file after the title (Content-Disposition).
    const std::string file = page_url(r.id) + "/download";
    html += fmt::format(R"(<div class="toolbar" role="group" aria-label="{}">
<label class="speed">{} <select id="speed">
<option value="0.5">0,5×</option><option value="0.75">0,75×</option><option value="1" selected>1×</option><option value="1.25">1,25×</option><option value="1.5">1,5×</option><option value="1.75">1,75×</option><option value="2">2×</option>
</select></label>
<button type="button" id="help-button" aria-haspopup="dialog" aria-controls="help" aria-keyshortcuts="?">{} <kbd>?</kbd></button>
)",
                        t.playback, t.speed, t.shortcuts);
    // The download is the video: none while only the audio part is there.
    if (sources.download && !sources.video_pending)
        html += fmt::format(R"(<a class="download" href="{}" download>{}</a>
)",
                            file, t.download);
    html += R"(<p id="resume" class="resume" role="status" hidden></p>
</div>
</div>
<aside class="side">
)";
    if (sources.manage) html += manage_panel(r, t);
    if (sources.chapters)
        html += fmt::format(R"(<section class="panel chapters" aria-labelledby="chapters-heading">
<h2 id="chapters-heading">{}</h2>
<ol id="chapters" class="chapter-list" data-src="{}"></ol>
</section>
)",
                            t.chapters, media_url(r.id, "chapters.vtt"));
    if (sources.notes)
        html += fmt::format(R"(<section class="panel notes" aria-labelledby="notes-heading">
<h2 id="notes-heading">{}</h2>
<p><a href="{}" type="text/plain">{}</a></p>
</section>
)",
                            t.notes, media_url(r.id, "notes.txt"), t.notes_open);
    html += fmt::format(R"(<section class="panel chat" aria-labelledby="chat-heading">
<h2 id="chat-heading">{}</h2>
<input type="search" id="chat-search" class="search" placeholder="{}" aria-label="{}" aria-controls="chat">
<ol id="chat" class="chat-list" data-src="{}"><li class="status">{}</li></ol>
<p id="chat-live" class="visually-hidden" aria-live="polite"></p>
</section>
</aside>
</main>
{}{}<script src="/assets/player.js" defer></script>
{}</body>
</html>
)",
                        t.chat, t.chat_search, t.chat_search, media_url(r.id, "chat.json"), t.chat_loading,
                        help_dialog(t), audio_scripts(sources),
                        sources.manage ? "<script src=\"/assets/manage.js\" defer></script>\n" : "");
    return html;
}

} // namespace tafel::player::detail
