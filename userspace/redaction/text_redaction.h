#pragma once
// The one redaction engine for free text: an argv element, a whole shell or interpreter
// string (`bash -c "..."`, `python3 -c "..."`), a header value, a URL, an alert payload.
// Credentials are found wherever they stand and replaced by REDACTED; everything else is left
// exactly as it was, so a redacted shell script still reads as the script that ran.
//
// What counts as a credential (docs/secrets.md, "What is redacted"):
//   - URL userinfo (scheme://user:pw@host), anywhere in the text;
//   - the values of a URL's query and fragment parameters, of that URL only: the URL ends at
//     whitespace, a quote or a shell operator;
//   - the value of `Name: value` whose name looks secret (is_secret_name), also quoted as in
//     `{'Authorization': 'token T'}`; an Authorization value keeps its scheme ("Bearer
//     REDACTED");
//   - the value of `NAME=value` whose name looks secret (PGPASSWORD=..., --password=...,
//     password=... in form data);
//   - the arguments of the credential options of common tools (kCredentialOptions in the
//     .cpp: curl -u, sshpass -p, mysql -pPW, docker login -p, redis-cli -a, ...), and of any
//     long option whose name looks secret (--token T).
// Text that was cut (an argv over the kernel's 1 KiB) may end inside a credential whose end
// would have shown it to be one: a URL authority that runs to the cut is redacted whole.

#include <string>
#include <string_view>
#include <vector>

namespace egresswatch {

// Whether a header, variable or option name names a credential. The name is split into words
// (at non-alphanumerics and lower-to-upper case changes: X-Access-Token, apiKey, MYSQL_PWD);
// it is secret if a word is one of auth, key, pass, pwd, sig, jwt, otp, or contains token,
// secret, password, passwd, credential, cookie, session, csrf, xsrf, signature, apikey,
// authoriz, authent, passphrase. "PWD" alone (the working directory) is not.
bool is_secret_name(std::string_view name);

// A header's value: the whole value if the header's name looks secret (an Authorization value
// keeps its scheme: "Bearer REDACTED"), else the credentials redact_text finds in it (a
// Referer's query values, say).
std::string redact_header_value(std::string_view name, std::string_view value);

// `text` with every credential replaced by REDACTED. `cut`: the text was truncated at its end.
std::string redact_text(std::string_view text, bool cut = false);

// A command line: each element as text, and the credential options across elements
// (`-u` `alice:PW`). `cut`: the kernel truncated argv within its last element.
void redact_argv(std::vector<std::string>& argv, bool cut = false);

}  // namespace egresswatch
