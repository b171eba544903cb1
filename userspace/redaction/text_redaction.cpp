#include "redaction/text_redaction.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>

#include "redaction/redaction.h"

namespace egresswatch {
namespace {

// A byte range [begin, end) of one source string to replace by REDACTED.
struct Span {
    std::size_t begin, end;
};

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_upper(char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }
bool is_lower(char c) { return std::islower(static_cast<unsigned char>(c)) != 0; }
bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_space(char c) { return is_blank(c) || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool is_quote(char c) { return c == '\'' || c == '"' || c == '`'; }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::size_t find_or_end(std::string_view text, std::string_view chars, std::size_t from) {
    std::size_t at = text.find_first_of(chars, from);
    return at == std::string_view::npos ? text.size() : at;
}

void add(std::vector<Span>& spans, std::size_t begin, std::size_t end) {
    if (end > begin) spans.push_back({begin, end});
}

// --- URLs: userinfo, and query and fragment parameter values ----------------------------

// A URL ends where shell or prose would end it: whitespace, a quote, a shell operator.
constexpr std::string_view kUrlEnd = " \t\n\r\v\f'\"`<>|;\\^{})";

void parameter_values(std::string_view text, std::size_t begin, std::size_t end, std::vector<Span>& spans) {
    while (begin < end) {
        std::size_t amp = std::min(find_or_end(text, "&", begin), end);
        std::size_t equals = std::min(find_or_end(text, "=", begin), amp);
        if (equals < amp) add(spans, equals + 1, amp);
        begin = amp + 1;
    }
}

void find_urls(std::string_view text, bool cut, std::vector<Span>& spans) {
    for (std::size_t at = text.find("://"); at != std::string_view::npos; at = text.find("://", at + 3)) {
        std::size_t scheme = at;
        while (scheme > 0 && (is_alnum(text[scheme - 1]) || text[scheme - 1] == '+' || text[scheme - 1] == '-' ||
                              text[scheme - 1] == '.'))
            --scheme;
        while (scheme < at && !is_alpha(text[scheme])) ++scheme;
        if (scheme == at) continue;
        std::size_t authority = at + 3;
        std::size_t end = find_or_end(text, kUrlEnd, authority);
        std::size_t authority_end = std::min(find_or_end(text, "/?#", authority), end);
        std::string_view userinfo_and_host = text.substr(authority, authority_end - authority);
        if (std::size_t atsign = userinfo_and_host.rfind('@'); atsign != std::string_view::npos)
            add(spans, authority, authority + atsign);
        else if (cut && authority_end == text.size())
            // Cut before the '@' that would have shown a token or user:password here.
            add(spans, authority, authority_end);
        std::size_t query = std::min(find_or_end(text, "?", authority_end), end);
        std::size_t fragment = std::min(find_or_end(text, "#", authority_end), end);
        if (query < fragment) parameter_values(text, query + 1, fragment, spans);
        if (fragment < end) parameter_values(text, fragment + 1, end, spans);
    }
}

// --- `Name: value` and `NAME=value` -------------------------------------------------------

bool is_name_char(char c) { return is_alnum(c) || c == '-' || c == '_'; }

bool keeps_scheme(std::string_view name) {
    std::string folded;
    for (char c : name) folded += lower(c);
    return folded.find("authoriz") != std::string::npos || folded.find("authent") != std::string::npos;
}

// Where the credentials of a secret `name`'s value text[begin, end) start: an Authorization
// value keeps its scheme ("Bearer REDACTED"), which says what kind of credential was sent and
// is not itself secret; every other value is all credential.
std::size_t credentials_start(std::string_view name, std::string_view text, std::size_t begin, std::size_t end) {
    if (!keeps_scheme(name)) return begin;
    std::size_t space = text.find_first_of(" \t", begin);
    if (space == std::string_view::npos || space == begin || space >= end) return begin;
    for (std::size_t i = begin; i < space; ++i)
        if (!(is_alnum(text[i]) || text[i] == '-' || text[i] == '_' || text[i] == '.')) return begin;
    std::size_t credentials = space;
    while (credentials < end && is_blank(text[credentials])) ++credentials;
    return credentials < end ? credentials : begin;
}

// Where a value that starts at `from` ends: its own quotes, else the quote the whole
// `Name: value` stood in, else `stops`.
std::pair<std::size_t, std::size_t> value_range(std::string_view text, std::size_t from, char context_quote,
                                                std::string_view stops) {
    if (from < text.size() && is_quote(text[from])) {
        std::size_t close = text.find(text[from], from + 1);
        return {from + 1, close == std::string_view::npos ? text.size() : close};
    }
    if (context_quote) {
        std::size_t close = text.find(context_quote, from);
        return {from, close == std::string_view::npos ? text.size() : close};
    }
    return {from, find_or_end(text, stops, from)};
}

void find_header_values(std::string_view text, std::vector<Span>& spans) {
    for (std::size_t colon = text.find(':'); colon != std::string_view::npos; colon = text.find(':', colon + 1)) {
        if (text.substr(colon + 1, 2) == "//") continue;  // a URL's scheme
        // The name touches the colon, or is quoted: 'Authorization': ... or "token" : ...
        std::size_t name_end = colon;
        while (name_end > 0 && is_blank(text[name_end - 1])) --name_end;
        char name_quote = name_end > 0 && is_quote(text[name_end - 1]) ? text[name_end - 1] : 0;
        if (name_quote)
            --name_end;
        else
            name_end = colon;
        std::size_t name_begin = name_end;
        while (name_begin > 0 && is_name_char(text[name_begin - 1])) --name_begin;
        if (name_begin == name_end) continue;
        if (name_quote && (name_begin == 0 || text[name_begin - 1] != name_quote)) continue;
        std::string_view name = text.substr(name_begin, name_end - name_begin);
        if (!is_secret_name(name)) continue;
        std::size_t before = name_quote ? name_begin - 1 : name_begin;
        char context_quote = before > 0 && is_quote(text[before - 1]) ? text[before - 1] : 0;
        std::size_t value = colon + 1;
        while (value < text.size() && is_blank(text[value])) ++value;
        // A quoted name with an unquoted value is JSON or a dict: the value is one token.
        auto [begin, end] = value_range(text, value, context_quote, name_quote ? ",}]\n" : "\n");
        begin = credentials_start(name, text, begin, end);
        add(spans, begin, end);
    }
}

bool is_assignment_name_char(char c) { return is_alnum(c) || c == '_' || c == '-' || c == '.'; }

void find_assignments(std::string_view text, std::vector<Span>& spans) {
    for (std::size_t equals = text.find('='); equals != std::string_view::npos; equals = text.find('=', equals + 1)) {
        std::size_t name_begin = equals;
        while (name_begin > 0 && is_assignment_name_char(text[name_begin - 1])) --name_begin;
        std::string_view name = text.substr(name_begin, equals - name_begin);
        while (!name.empty() && name.front() == '-') name.remove_prefix(1);  // --password=
        if (name.empty() || !(is_alpha(name.front()) || name.front() == '_') || !is_secret_name(name)) continue;
        char context_quote = name_begin > 0 && is_quote(text[name_begin - 1]) ? text[name_begin - 1] : 0;
        auto [begin, end] = value_range(text, equals + 1, 0, " \t\n\r&;'\"`|<>)");
        if (context_quote && begin == equals + 1)
            end = std::min(end, find_or_end(text, std::string(1, context_quote), begin));
        add(spans, begin, end);
    }
}

// --- Credential options of common tools ----------------------------------------------------

enum class Takes { next_or_attached, attached_only };
enum class Secret { whole, after_colon, after_percent, after_pass_prefix };

struct CredentialOption {
    std::string_view tools;  // basenames, space-separated
    std::string_view option;
    Takes takes;
    Secret secret;
    bool login_only;  // only after a `login` subcommand (docker run -p is a port)
};

// The credential options of common tools (docs/secrets.md, "Credential options"). Options of the form
// --name=value whose name looks secret are found as assignments, and any --name VALUE whose
// name holds token, secret or password by the generic rule below.
constexpr std::array<CredentialOption, 24> kCredentialOptions{{
    {"curl", "-u", Takes::next_or_attached, Secret::after_colon, false},
    {"curl", "--user", Takes::next_or_attached, Secret::after_colon, false},
    {"curl", "-U", Takes::next_or_attached, Secret::after_colon, false},
    {"curl", "--proxy-user", Takes::next_or_attached, Secret::after_colon, false},
    {"curl", "--oauth2-bearer", Takes::next_or_attached, Secret::whole, false},
    {"curl", "--pass", Takes::next_or_attached, Secret::whole, false},
    {"curl", "--proxy-pass", Takes::next_or_attached, Secret::whole, false},
    {"http https", "-a", Takes::next_or_attached, Secret::after_colon, false},  // HTTPie
    {"http https", "--auth", Takes::next_or_attached, Secret::after_colon, false},
    {"mysql mariadb mysqldump mysqladmin mysqlimport mysqlshow mysqlcheck", "-p", Takes::attached_only, Secret::whole,
     false},
    {"sshpass", "-p", Takes::next_or_attached, Secret::whole, false},
    {"docker podman nerdctl buildah skopeo helm oras crane", "-p", Takes::next_or_attached, Secret::whole, true},
    {"docker podman nerdctl buildah skopeo helm oras crane", "--password", Takes::next_or_attached, Secret::whole,
     true},
    {"redis-cli", "-a", Takes::next_or_attached, Secret::whole, false},
    {"redis-cli", "--pass", Takes::next_or_attached, Secret::whole, false},
    {"mongo mongosh mongodump mongorestore mongoexport mongoimport", "-p", Takes::next_or_attached, Secret::whole,
     false},
    {"mongo mongosh mongodump mongorestore mongoexport mongoimport", "--password", Takes::next_or_attached,
     Secret::whole, false},
    {"openssl", "-pass", Takes::next_or_attached, Secret::after_pass_prefix, false},
    {"openssl", "-passin", Takes::next_or_attached, Secret::after_pass_prefix, false},
    {"openssl", "-passout", Takes::next_or_attached, Secret::after_pass_prefix, false},
    {"openssl", "-password", Takes::next_or_attached, Secret::after_pass_prefix, false},
    {"smbclient", "-U", Takes::next_or_attached, Secret::after_percent, false},
    {"ldapsearch ldapmodify ldapadd ldapdelete", "-w", Takes::next_or_attached, Secret::whole, false},
    {"wget", "--password", Takes::next_or_attached, Secret::whole, false},
}};

// Tools whose --password takes no separate value: a flag that makes them ask (PostgreSQL's), or
// one whose value must be attached (MySQL's --password=...).
constexpr std::string_view kPasswordIsAFlag =
    "psql pg_dump pg_dumpall pg_restore pg_basebackup createdb dropdb createuser dropuser vacuumdb reindexdb "
    "clusterdb mysql mariadb mysqldump mysqladmin mysqlimport mysqlshow mysqlcheck";

constexpr std::string_view kShells = "sh bash dash zsh ksh ash";

// Commands that run the next word as the command.
constexpr std::array<std::string_view, 10> kWrappers{"sudo", "env",     "exec", "nice",  "nohup",
                                                     "time", "command", "doas", "xargs", "stdbuf"};

bool among(std::string_view list, std::string_view word) {
    for (std::size_t at = 0; at <= list.size();) {
        std::size_t space = list.find(' ', at);
        if (list.substr(at, space == std::string_view::npos ? std::string_view::npos : space - at) == word) return true;
        if (space == std::string_view::npos) break;
        at = space + 1;
    }
    return false;
}

// kCredentialOptions by tool, built once.
std::vector<const CredentialOption*> options_of(std::string_view tool) {
    static const std::map<std::string_view, std::vector<const CredentialOption*>, std::less<>> by_tool = [] {
        std::map<std::string_view, std::vector<const CredentialOption*>, std::less<>> index;
        for (const CredentialOption& option : kCredentialOptions)
            for (std::size_t at = 0; at < option.tools.size();) {
                std::size_t space = std::min(option.tools.find(' ', at), option.tools.size());
                index[option.tools.substr(at, space - at)].push_back(&option);
                at = space + 1;
            }
        return index;
    }();
    auto it = by_tool.find(tool);
    return it == by_tool.end() ? std::vector<const CredentialOption*>{} : it->second;
}

// A long option's value is secret if its name holds one of these (--token T, --api-key K);
// not --no-password, --password-stdin, --token-file and the like, whose values are not.
bool is_credential_option(std::string_view option) {
    // --name=value carries its own value (an assignment); --no-password takes none.
    if (option.substr(0, 2) != "--" || option.substr(2, 3) == "no-" || option.find('=') != std::string_view::npos)
        return false;
    std::string name;
    for (char c : option.substr(2)) name += lower(c);
    for (std::string_view suffix : {"-file", "-stdin", "-fd", "-env", "-path", "-cmd", "-command", "-prompt"})
        if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
            return false;
    for (std::string_view word : {"token", "secret", "passw", "credential", "apikey", "api-key", "passphrase"})
        if (name.find(word) != std::string::npos) return true;
    return false;
}

// A word of a command line: its unquoted value, and where each of its bytes came from.
struct Word {
    std::size_t source = 0;
    std::string value;
    std::vector<std::size_t> raw;  // value[i] is source text[raw[i]]
    bool starts_command = false;   // first word after a shell operator
};

// The words of a shell-like string: quotes group, a backslash escapes, and ; & | ( ) and
// newlines separate commands. A quoted string with blanks in it is also read as a command of
// its own (bash -c 'curl -u alice:PW ...'), to a small depth. Good enough to find
// options; it is not a shell. `offset`: where `text` starts in the source.
void shell_words(std::string_view text, std::size_t source, std::vector<Word>& words, std::size_t offset = 0,
                 int depth = 0) {
    std::vector<std::pair<std::string_view, std::size_t>> nested;  // quoted strings, where they start
    bool command_start = true;
    std::size_t i = 0;
    while (i < text.size()) {
        char c = text[i];
        if (c == ';' || c == '&' || c == '|' || c == '(' || c == ')' || c == '\n') {
            command_start = true;
            ++i;
            continue;
        }
        if (is_space(c)) {
            ++i;
            continue;
        }
        Word word;
        word.source = source;
        word.starts_command = command_start;
        command_start = false;
        std::size_t word_begin = i;
        while (i < text.size() && !is_space(text[i]) &&
               std::string_view(";&|()").find(text[i]) == std::string_view::npos) {
            char q = text[i];
            if (q == '\'' || q == '"') {
                std::size_t open = i;
                for (++i; i < text.size() && text[i] != q; ++i) {
                    if (q == '"' && text[i] == '\\' && i + 1 < text.size()) ++i;
                    word.value += text[i];
                    word.raw.push_back(offset + i);
                }
                std::string_view inside = text.substr(open + 1, i - open - 1);
                if (depth < 3 && inside.find_first_of(" \t") != std::string_view::npos)
                    nested.emplace_back(inside, offset + open + 1);
                if (i < text.size()) ++i;  // the closing quote
                continue;
            }
            if (q == '\\' && i + 1 < text.size()) ++i;
            word.value += text[i];
            word.raw.push_back(offset + i);
            ++i;
        }
        // An empty quoted word ('') is a word: the option before it takes it, not the next.
        if (i > word_begin) words.push_back(std::move(word));
    }
    for (auto [inside, at] : nested) {
        std::size_t first = words.size();
        shell_words(inside, source, words, at, depth + 1);
        if (first < words.size()) words[first].starts_command = true;
    }
}

std::string_view basename(std::string_view path) {
    std::size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// The secret part of an option's value, [begin, end) within `value`.
std::optional<std::pair<std::size_t, std::size_t>> secret_part(std::string_view value, std::size_t from,
                                                               Secret secret) {
    switch (secret) {
    case Secret::whole: return std::make_pair(from, value.size());
    case Secret::after_colon:
    case Secret::after_percent: {
        std::size_t separator = value.find(secret == Secret::after_colon ? ':' : '%', from);
        if (separator == std::string_view::npos) return std::nullopt;  // the tool asks for it
        return std::make_pair(separator + 1, value.size());
    }
    case Secret::after_pass_prefix:
        if (value.substr(from, 5) != "pass:") return std::nullopt;  // env:, file:, fd:, stdin
        return std::make_pair(from + 5, value.size());
    }
    return std::nullopt;
}

// Marks a part of a word's value as secret, in the coordinates of the word's source: only the
// value's own bytes, so the quotes and escapes between them stay (-p'P'"W" -> -p'REDACTED'"REDACTED").
void mark(const Word& word, std::size_t begin, std::size_t end, std::vector<std::vector<Span>>& spans,
          bool first_run_only = false) {
    if (end > word.raw.size()) return;
    for (std::size_t run = begin; run < end && (run == begin || !first_run_only);) {
        std::size_t last = run;
        while (last + 1 < end && word.raw[last + 1] == word.raw[last] + 1) ++last;
        spans[word.source].push_back({word.raw[run], word.raw[last] + 1});
        run = last + 1;
    }
}

void find_option_values(const std::vector<Word>& words, std::vector<std::vector<Span>>& spans) {
    std::string_view tool;
    bool login = false, restart = false;
    std::vector<const CredentialOption*> tool_options;  // kCredentialOptions of `tool`
    for (std::size_t i = 0; i < words.size(); ++i) {
        const Word& word = words[i];
        std::string_view w = word.value;
        if (word.starts_command || restart) {
            tool = {};
            login = false;
            restart = false;
        }
        if (tool.empty()) {
            // Assignments and wrappers before the command: FOO=1 sudo -E env curl ...
            if (w.empty() || w.find('=') != std::string_view::npos || w.front() == '-' ||
                std::find(kWrappers.begin(), kWrappers.end(), basename(w)) != kWrappers.end())
                continue;
            tool = basename(w);
            tool_options = options_of(tool);
            continue;
        }
        if (w == "login") login = true;
        // sh -c curl ... written out as one text: the script is a command of its own.
        if (w == "-c" && among(kShells, tool)) restart = true;
        const Word* next = i + 1 < words.size() && !words[i + 1].starts_command ? &words[i + 1] : nullptr;
        bool next_is_value = next && !next->value.empty() && next->value.front() != '-';
        for (const CredentialOption* candidate : tool_options) {
            const CredentialOption& option = *candidate;
            if (option.login_only && !login) continue;
            std::size_t from = 0;
            const Word* holder = nullptr;
            if (w == option.option) {
                if (option.takes == Takes::next_or_attached && next_is_value) holder = next;
            } else if (w.substr(0, option.option.size()) == option.option && w.size() > option.option.size()) {
                bool long_option = option.option.substr(0, 2) == "--";
                if (long_option && w[option.option.size()] == '=') {
                    from = option.option.size() + 1;
                    holder = &word;
                } else if (!long_option && option.option.size() == 2) {
                    from = 2;
                    holder = &word;
                }
            }
            if (!holder) continue;
            if (auto part = secret_part(holder->value, from, option.secret))
                mark(*holder, part->first, part->second, spans);
        }
        if (is_credential_option(w) && next_is_value && !among(kPasswordIsAFlag, tool))
            mark(*next, 0, next->value.size(), spans);
    }
}

// Quotes and line ends are never redacted, only what lies between them: the redacted text
// keeps the quoting and lines of the original, so it reads as the same script and parses as
// the same text (a span that ate one quote of a pair would re-scope everything after it).
constexpr std::string_view kKept = "'\"`\n";

void append_redacted(std::string& out, std::string_view secret) {
    for (std::size_t at = 0; at < secret.size();) {
        std::size_t kept = find_or_end(secret, kKept, at);
        if (kept > at) out.append(kRedacted);
        if (kept < secret.size()) out += secret[kept];
        at = kept + 1;
    }
}

std::string redacted(std::string_view text, std::vector<Span> spans) {
    if (spans.empty()) return std::string(text);
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
    std::string out;
    out.reserve(text.size());
    std::size_t copied = 0;
    for (std::size_t i = 0; i < spans.size();) {
        std::size_t begin = std::max(spans[i].begin, copied), end = spans[i].end;
        // Overlapping and touching spans are one secret.
        for (++i; i < spans.size() && spans[i].begin <= end; ++i) end = std::max(end, spans[i].end);
        end = std::min(end, text.size());
        if (end <= begin) continue;
        out.append(text.substr(copied, begin - copied));
        append_redacted(out, text.substr(begin, end - begin));
        copied = end;
    }
    out.append(text.substr(copied));
    return out;
}

void find_in_text(std::string_view text, bool cut, std::vector<Span>& spans) {
    find_urls(text, cut, spans);
    find_header_values(text, spans);
    find_assignments(text, spans);
}

}  // namespace

bool is_secret_name(std::string_view name) {
    static constexpr std::array<std::string_view, 7> kWholeWords{"auth", "key", "pass", "pwd", "sig", "jwt", "otp"};
    static constexpr std::array<std::string_view, 14> kWordParts{
        "token", "secret", "password",  "passwd", "credential", "cookie",  "session",
        "csrf",  "xsrf",   "signature", "apikey", "authoriz",   "authent", "passphrase"};
    auto iequals = [](std::string_view a, std::string_view b) {
        return a.size() == b.size() &&
               std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == y; });
    };
    auto icontains = [&](std::string_view word, std::string_view part) {
        for (std::size_t at = 0; at + part.size() <= word.size(); ++at)
            if (iequals(word.substr(at, part.size()), part)) return true;
        return false;
    };
    std::size_t words = 0;
    bool working_directory = false;
    for (std::size_t begin = 0; begin < name.size();) {
        if (!is_alnum(name[begin])) {
            ++begin;
            continue;
        }
        std::size_t end = begin + 1;
        while (end < name.size() && is_alnum(name[end]) && !(is_upper(name[end]) && is_lower(name[end - 1]))) ++end;
        std::string_view word = name.substr(begin, end - begin);
        ++words;
        working_directory = iequals(word, "pwd") || iequals(word, "oldpwd");
        if (!working_directory &&
            std::any_of(kWholeWords.begin(), kWholeWords.end(), [&](std::string_view w) { return iequals(word, w); }))
            return true;
        for (std::string_view part : kWordParts)
            if (icontains(word, part)) return true;
        begin = end;
    }
    // PWD alone is the working directory; MYSQL_PWD is a password.
    return working_directory && words > 1;
}

std::string redact_header_value(std::string_view name, std::string_view value) {
    if (!is_secret_name(name)) return redact_text(value);
    std::size_t start = value.find_first_not_of(" \t");
    value = start == std::string_view::npos ? std::string_view() : value.substr(start);
    std::size_t credentials = credentials_start(name, value, 0, value.size());
    if (credentials == 0) return std::string(kRedacted);
    return std::string(value.substr(0, value.find_first_of(" \t"))) + " " + std::string(kRedacted);
}

namespace {

// Redaction until nothing changes. Spans of different rules may overlap, and their union can
// cover a delimiter that bounded one of them (a ']', a ','; never a quote or a line end, see
// kKept), so the redacted text may parse differently; passes repeat until it is stable. Text
// with no credential takes one pass, text with some a second that finds nothing new; only
// fuzzer-made garbage has needed more, each pass consuming more of it. The bound is a guard.
constexpr int kMaxPasses = 64;

// The text rules again on each word as the shell will pass it on, quotes and escapes undone:
// sh -c '... {'\''Authorization'\'': '\''token T'\''} ...' holds a header the raw text hides.
void find_in_words(const std::vector<Word>& words, std::string_view text, bool cut,
                   std::vector<std::vector<Span>>& spans) {
    for (const Word& word : words) {
        // A word the shell passes on as it is written was already read as part of the text.
        bool changed = word.raw.empty() || word.raw.back() - word.raw.front() + 1 != word.value.size();
        if (!changed || word.value.find_first_of(":=") == std::string::npos) continue;
        std::vector<Span> found;
        find_in_text(word.value, cut && !word.raw.empty() && word.raw.back() + 1 == text.size(), found);
        // Up to the first quote the shell removed: in text that is not shell (python -c
        // "...{'Authorization':'token T'}"), what follows a closing quote is not the value.
        for (const Span& span : found) mark(word, span.begin, span.end, spans, true);
    }
}

std::string redact_text_once(std::string_view text, bool cut) {
    std::vector<std::vector<Span>> spans(1);
    find_in_text(text, cut, spans[0]);
    std::vector<Word> words;
    shell_words(text, 0, words);
    find_in_words(words, text, cut, spans);
    find_option_values(words, spans);
    return redacted(text, std::move(spans[0]));
}

void redact_argv_once(std::vector<std::string>& argv, bool cut) {
    std::vector<std::vector<Span>> spans(argv.size());
    std::vector<Word> words;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        // Each element is a text of its own (a URL, a header, a whole `sh -c` script)...
        find_in_text(argv[i], cut && i + 1 == argv.size(), spans[i]);
        // A plain word (-sS, a path, a URL) is no script: only one with blanks, quotes,
        // escapes or shell operators is read as one too.
        if (argv[i].find_first_of(" \t\n'\"\\;&|()") != std::string::npos) {
            std::vector<Word> inner;
            shell_words(argv[i], i, inner);
            find_in_words(inner, argv[i], cut && i + 1 == argv.size(), spans);
            find_option_values(inner, spans);
        }
        // ...and a word of the command line, whose options may take the next element.
        Word word;
        word.source = i;
        word.value = argv[i];
        word.starts_command = i == 0;
        for (std::size_t b = 0; b < argv[i].size(); ++b) word.raw.push_back(b);
        words.push_back(std::move(word));
    }
    find_option_values(words, spans);
    for (std::size_t i = 0; i < argv.size(); ++i) argv[i] = redacted(argv[i], std::move(spans[i]));
}

}  // namespace

std::string redact_text(std::string_view text, bool cut) {
    std::string out = redact_text_once(text, cut);
    if (out == text) return out;
    for (int pass = 1; pass < kMaxPasses; ++pass) {
        std::string next = redact_text_once(out, cut);
        if (next == out) break;
        out = std::move(next);
    }
    return out;
}

void redact_argv(std::vector<std::string>& argv, bool cut) {
    for (int pass = 0; pass < kMaxPasses; ++pass) {
        std::vector<std::string> before = argv;
        redact_argv_once(argv, cut);
        if (argv == before) break;
    }
}

}  // namespace egresswatch
