#pragma once
// A Beast body that sends `length` bytes of an open file from `offset` with pread, so a
// byte range (RFC 9110 14) needs neither a seek on a shared descriptor nor a copy of the
// file. Beast 1.74's file_body always sends the whole file, hence this small type. The
// session sends these bodies with sendfile(2) after Beast wrote the header
// (http_session.cpp, OutgoingSendfile); the pread writer is the portable fallback.
#include "player/detail/reply.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <boost/system/error_code.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <utility>

namespace tafel::player::detail {

struct FileSliceBody {
    using value_type = FileSlice;

    static std::uint64_t size(const value_type& body) { return body.length; }

    class writer {
    public:
        using const_buffers_type = boost::asio::const_buffer;

        template <bool isRequest, class Fields>
        writer(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

        void init(boost::system::error_code& ec) {
            position_ = body_.offset;
            remaining_ = body_.length;
            ec = {};
        }

        boost::optional<std::pair<const_buffers_type, bool>> get(boost::system::error_code& ec) {
            ec = {};
            if (remaining_ == 0) return boost::none;
            const auto want = static_cast<std::size_t>(
                std::min<std::uint64_t>(remaining_, buffer_.size()));
            ssize_t n = 0;
            do {
                n = ::pread(body_.fd.get(), buffer_.data(), want, static_cast<off_t>(position_));
            } while (n < 0 && errno == EINTR);
            if (n < 0) {
                ec = boost::system::error_code(errno, boost::system::system_category());
                return boost::none;
            }
            if (n == 0) { // the file shrank under us: the promised length cannot be sent
                ec = boost::system::errc::make_error_code(boost::system::errc::io_error);
                return boost::none;
            }
            position_ += static_cast<std::uint64_t>(n);
            remaining_ -= static_cast<std::uint64_t>(n);
            return std::make_pair(const_buffers_type(buffer_.data(), static_cast<std::size_t>(n)),
                                  remaining_ > 0);
        }

    private:
        value_type& body_;
        std::uint64_t position_ = 0;
        std::uint64_t remaining_ = 0;
        std::array<char, 64 * 1024> buffer_{};
    };
};

} // namespace tafel::player::detail
