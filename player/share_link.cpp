#include "player/share_link.hpp"

#include "core/ids.hpp"
#include "player/detail/access.hpp"

#include <fmt/format.h>

namespace tafel::player {

Result<ShareLink> share_link(const std::string& public_url, const std::string& recording_id, bool owner,
                             std::int64_t now_unix_s, std::int64_t valid_s, const std::string& secret) {
    if (secret.empty())
        return fail(Errc::invalid_argument,
                    "'secret' is not set: the player is open to everyone, a signed link would grant nothing");
    if (!is_safe_id(recording_id))
        return fail(Errc::invalid_argument, fmt::format("recording id \"{}\" is not [A-Za-z0-9_-]", recording_id));
    if (valid_s <= 0) return fail(Errc::invalid_argument, fmt::format("lifetime {} s is not positive", valid_s));
    detail::Grant grant{recording_id, owner ? detail::Role::owner : detail::Role::viewer, now_unix_s + valid_s};
    std::string base = public_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return ShareLink{fmt::format("{}/r/{}?token={}", base, recording_id, detail::sign_token(grant, secret)),
                     std::string(detail::to_string(grant.role)), grant.expires_unix_s};
}

} // namespace tafel::player
