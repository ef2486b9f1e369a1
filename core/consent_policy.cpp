#include "core/consent_policy.hpp"

#include <fmt/format.h>

namespace tafel {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

} // namespace

std::string to_string(ConsentPolicy p) { return p == ConsentPolicy::teacher_only ? "teacher_only" : "consenting"; }

Result<ConsentPolicy> consent_policy_from(std::string_view text) {
    if (text == "consenting") return ConsentPolicy::consenting;
    if (text == "teacher_only") return ConsentPolicy::teacher_only;
    return fail(Errc::invalid_argument, fmt::format("consent policy \"{}\" is not consenting or teacher_only", text));
}

ConsentPolicy ConsentPolicies::for_context(const std::string& context) const {
    auto it = by_context.find(context);
    return it == by_context.end() ? fallback : it->second;
}

Result<ConsentPolicies> ConsentPolicies::parse(std::string_view fallback, std::string_view contexts) {
    ConsentPolicies out;
    auto def = consent_policy_from(trim(fallback));
    if (!def) return std::unexpected(def.error());
    out.fallback = *def;
    while (!trim(contexts).empty()) {
        const auto comma = contexts.find(',');
        const std::string_view item = trim(contexts.substr(0, comma));
        contexts = comma == std::string_view::npos ? std::string_view{} : contexts.substr(comma + 1);
        const auto eq = item.find('=');
        if (eq == std::string_view::npos || trim(item.substr(0, eq)).empty())
            return fail(Errc::invalid_argument,
                        fmt::format("consent_policy_contexts item \"{}\": use <context>=<policy>, e.g. "
                                    "klasse-7b=teacher_only",
                                    item));
        const std::string context(trim(item.substr(0, eq)));
        auto policy = consent_policy_from(trim(item.substr(eq + 1)));
        if (!policy)
            return fail(Errc::invalid_argument, fmt::format("context \"{}\": {}", context, policy.error().message));
        out.by_context[context] = *policy;
    }
    return out;
}

} // namespace tafel
