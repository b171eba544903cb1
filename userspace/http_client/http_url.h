#pragma once
// An http:// or https:// URL given on the command line, checked once by the parser: scheme,
// host, port, and user info where the service takes it (ClickHouse's user and password).

#include <optional>
#include <string>

namespace egresswatch {

struct HttpUrl {
    std::string origin;  // scheme://host[:port], without user info: what requests are made to
    std::string path;    // with its query, if any; "/" when none was given
    std::string host;
    bool https = false;
    std::string user, password;  // basic authentication, from user info
    std::string ca_file;         // PEM certificates to trust instead of the system's ("": the system's)
    // For messages and logs: the URL with any password left out.
    std::string shown() const;
};

enum class UserInfo { refused, allowed };

// nullopt with `error` set (one line, quoting the URL without its password) when `url` is not
// http(s)://[USER[:PASSWORD]@]HOST[:PORT][/PATH], or has user info where it is refused.
// default_port: filled in when the URL has none (0: the scheme's).
std::optional<HttpUrl> parse_http_url(const std::string& url, std::string& error,
                                      UserInfo user_info = UserInfo::refused, unsigned default_port = 0);

}  // namespace egresswatch
