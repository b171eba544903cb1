#include "base/timefmt.h"

#include <cstdio>
#include <ctime>

namespace egresswatch {

std::string format_timestamp(std::int64_t wall_ns) {
    std::int64_t secs = wall_ns / 1'000'000'000;
    std::int64_t micros = (wall_ns % 1'000'000'000) / 1000;
    if (micros < 0) {
        secs -= 1;
        micros += 1'000'000;
    }
    time_t t = static_cast<time_t>(secs);
    tm utc{};
    gmtime_r(&t, &utc);
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", utc.tm_year + 1900, utc.tm_mon + 1,
                  utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<long long>(micros));
    return buf;
}

std::optional<std::int64_t> parse_timestamp(std::string_view text) {
    tm utc{};
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    char frac[16] = {};
    std::string s(text);
    int n =
        std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%9[0-9]Z", &year, &month, &day, &hour, &minute, &second, frac);
    if (n < 6) return std::nullopt;
    // timegm would carry a field out of range into the next one, and nanoseconds since the
    // epoch overflow after 2262.
    if (year < 1970 || year > 2261 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
        minute < 0 || minute > 59 || second < 0 || second > 60)
        return std::nullopt;
    utc.tm_year = year - 1900;
    utc.tm_mon = month - 1;
    utc.tm_mday = day;
    utc.tm_hour = hour;
    utc.tm_min = minute;
    utc.tm_sec = second;
    std::int64_t ns = static_cast<std::int64_t>(timegm(&utc)) * 1'000'000'000;
    if (n == 7) {
        std::int64_t f = 0;
        int digits = 0;
        for (const char* p = frac; *p && digits < 9; ++p, ++digits) f = f * 10 + (*p - '0');
        for (; digits < 9; ++digits) f *= 10;
        ns += f;
    }
    return ns;
}

}  // namespace egresswatch
