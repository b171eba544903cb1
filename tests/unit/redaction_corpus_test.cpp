// The redaction engine against a corpus: every leak an adversarial test of egresswatch found
// (issue 15), as argv or as the text it stood in, with the words around each secret that must
// survive; and command lines in which nothing is secret, which must come out unchanged.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "redaction/text_redaction.h"

using namespace egresswatch;

namespace {

using Argv = std::vector<std::string>;

std::string joined(const Argv& argv) {
    std::string out;
    for (const std::string& a : argv) out += (out.empty() ? "" : "\\0") + a;
    return out;
}

struct Leak {
    Argv argv;
    std::vector<std::string> secrets;  // must not appear
    std::vector<std::string> kept;     // must appear, in one element
    bool cut = false;
};

const std::vector<Leak> kLeaks = {
    // credential options
    {{"curl", "-u", "alice:PW01", "https://h.test/"}, {"PW01"}, {"alice:REDACTED", "https://h.test/"}},
    {{"curl", "--user", "alice:PW02"}, {"PW02"}, {"alice:REDACTED"}},
    {{"curl", "--user=alice:PW03"}, {"PW03"}, {"--user=alice:REDACTED"}},
    {{"curl", "-ualice:PW04"}, {"PW04"}, {"-ualice:REDACTED"}},
    {{"/usr/bin/curl", "--oauth2-bearer", "TOK05", "https://h.test/"}, {"TOK05"}, {"https://h.test/"}},
    {{"curl", "-d", "password=PW06"}, {"PW06"}, {"password=REDACTED"}},
    {{"curl", "--data", "user=alice&password=PW07&remember=1"}, {"PW07"}, {"user=alice&password=REDACTED&remember=1"}},
    // header options in other spellings
    {{"wget", "--header=Authorization: Bearer TOK08", "https://h.test/"},
     {"TOK08"},
     {"--header=Authorization: Bearer REDACTED"}},
    {{"curl", "-HAuthorization: Bearer TOK09"}, {"TOK09"}, {"-HAuthorization: Bearer REDACTED"}},
    // secrets inside shell and interpreter strings
    {{"bash", "-c", "curl -H 'Authorization: Bearer TOK10' https://h.test/x && curl -sS https://bob:PW11@h2.test/y"},
     {"TOK10", "PW11"},
     {"curl -H 'Authorization: Bearer REDACTED' https://h.test/x && curl -sS https://REDACTED@h2.test/y"}},
    {{"python3", "-c",
      "import urllib.request as u; u.urlopen(u.Request('https://h.test', headers={'Authorization':'token TOK12'}))"},
     {"TOK12"},
     {"headers={'Authorization':'token REDACTED'}))"}},
    {{"node", "-e", "fetch('https://h.test', {headers: {\"X-Api-Key\": \"TOK13\"}})"},
     {"TOK13"},
     {"\"X-Api-Key\": \"REDACTED\""}},
    {{"sh", "-c", "curl -u alice:PW14 https://h.test/a; echo done"},
     {"PW14"},
     {"alice:REDACTED https://h.test/a; echo done"}},
    // other tools' passwords and environment assignments
    {{"mysql", "-uroot", "-pPW15", "shop"}, {"PW15"}, {"-pREDACTED", "shop"}},
    {{"mysqldump", "--password=PW16", "shop"}, {"PW16"}, {"--password=REDACTED", "shop"}},
    {{"sshpass", "-p", "PW17", "ssh", "deploy@h.test"}, {"PW17"}, {"ssh", "deploy@h.test"}},
    {{"docker", "login", "-u", "ci", "-p", "PW18", "registry.test"}, {"PW18"}, {"ci", "registry.test"}},
    {{"podman", "login", "--password", "PW19", "registry.test"}, {"PW19"}, {"registry.test"}},
    {{"redis-cli", "-a", "PW20", "ping"}, {"PW20"}, {"ping"}},
    {{"env", "PGPASSWORD=PW21", "psql", "-h", "db.test"}, {"PW21"}, {"PGPASSWORD=REDACTED", "db.test"}},
    {{"sh", "-c", "TOKEN=TOK22 ./deploy.sh --env prod"}, {"TOK22"}, {"TOKEN=REDACTED ./deploy.sh --env prod"}},
    {{"openssl", "pkcs12", "-in", "a.p12", "-passin", "pass:PW23"}, {"PW23"}, {"pass:REDACTED", "a.p12"}},
    {{"deploy-tool", "--api-key", "TOK24", "--region", "eu"}, {"TOK24"}, {"--region", "eu"}},
    {{"sh", "-c", "mongosh -u admin -p PW25 --quiet"}, {"PW25"}, {"-u admin -p REDACTED --quiet"}},
    {{"smbclient", "//files.test/share", "-U", "backup%PW36"}, {"PW36"}, {"backup%REDACTED", "//files.test/share"}},
    // token headers whose names were not on a list
    {{"curl", "-H", "X-Access-Token: TOK26"}, {"TOK26"}, {"X-Access-Token: REDACTED"}},
    {{"curl", "-H", "Api-Key: TOK27"}, {"TOK27"}, {"Api-Key: REDACTED"}},
    {{"curl", "-H", "X-GitHub-Token: TOK28"}, {"TOK28"}, {"X-GitHub-Token: REDACTED"}},
    {{"curl", "-H", "Authentication: TOK29"}, {"TOK29"}, {"Authentication: REDACTED"}},
    {{"curl", "-H", "X-Csrf-Token: TOK30"}, {"TOK30"}, {"X-Csrf-Token: REDACTED"}},
    // URLs
    {{"curl", "https://h.test/dl?token=TOK31&file=a.deb#sig=TOK32"},
     {"TOK31", "a.deb", "TOK32"},
     {"https://h.test/dl?token=REDACTED&file=REDACTED#sig=REDACTED"}},
    {{"git", "clone", "https://TOK33@github.test/org/repo.git"},
     {"TOK33"},
     {"https://REDACTED@github.test/org/repo.git"}},
    // argv cut by the kernel between a password and the URL's '@'
    {{"git", "clone", "https://deploy:secretpa"}, {"deploy", "secretpa"}, {"https://REDACTED"}, true},
    {{"sh", "-c", "curl -u alice:PW34 https://bob:longsecr"}, {"PW34", "longsecr"}, {"https://REDACTED"}, true},
};

// Command lines with nothing secret: each must come out exactly as it went in.
const std::vector<Argv> kClean = {
    {"sh", "-c", "echo NEXT; exit $?"},
    {"ls", "-la", "/tmp"},
    {"docker", "run", "-p", "8080:80", "nginx"},
    {"psql", "--password", "shop"},
    {"mysql", "-p", "shop"},
    {"curl", "-u", "alice", "https://h.test/"},
    {"env", "PWD=/home/deploy", "make"},
    {"git", "log", "--author=bob"},
    {"curl", "-H", "Accept: application/json", "https://h.test/path/to/file.tar.gz"},
    {"sh", "-c", "date; echo 12:30; KEYRING=/etc/apt/keyrings apt-get install -y curl"},
    {"ssh-keygen", "-t", "ed25519", "-f", "key"},
    {"python3", "-c", "print({'a': 1, 'b': [2, 3]})"},
    {"docker", "login", "--password-stdin", "registry.test"},
    {"curl", "--no-password", "https://h.test/"},
    {"apt-get", "-o", "Acquire::http::Proxy=http://proxy.test:3128", "update"},
};

}  // namespace

TEST(RedactionCorpus, EveryLeakIsClosed) {
    for (const Leak& leak : kLeaks) {
        Argv argv = leak.argv;
        redact_argv(argv, leak.cut);
        std::string out = joined(argv);
        for (const std::string& secret : leak.secrets)
            EXPECT_EQ(out.find(secret), std::string::npos)
                << secret << " leaked from " << joined(leak.argv) << "\n-> " << out;
        for (const std::string& kept : leak.kept)
            EXPECT_NE(out.find(kept), std::string::npos)
                << "'" << kept << "' lost from " << joined(leak.argv) << "\n-> " << out;
        // The same text as one string (a shell script, a log line) leaks nothing either.
        std::string script;
        for (const std::string& a : leak.argv) script += (script.empty() ? "" : " ") + a;
        std::string text = redact_text(script, leak.cut);
        for (const std::string& secret : leak.secrets)
            EXPECT_EQ(text.find(secret), std::string::npos)
                << secret << " leaked from the text " << script << "\n-> " << text;
    }
}

TEST(RedactionCorpus, NothingElseChanges) {
    for (const Argv& clean : kClean) {
        Argv argv = clean;
        redact_argv(argv);
        EXPECT_EQ(argv, clean) << joined(clean) << "\n-> " << joined(argv);
        for (const std::string& element : clean) EXPECT_EQ(redact_text(element), element);
    }
}

TEST(RedactionCorpus, AShellScriptKeepsEverythingButItsSecrets) {
    // The query value of one URL, not the rest of the script; $? is not a query.
    EXPECT_EQ(redact_text("curl http://h.test/?q=1 ; echo NEXT; exit $?"),
              "curl http://h.test/?q=REDACTED ; echo NEXT; exit $?");
    EXPECT_EQ(redact_text("curl 'http://h.test/a?x=1&y=2' > out.txt && cat out.txt"),
              "curl 'http://h.test/a?x=REDACTED&y=REDACTED' > out.txt && cat out.txt");
    EXPECT_EQ(redact_text("wget -q -O- \"$URL\" | sha256sum -c SHA256SUMS"),
              "wget -q -O- \"$URL\" | sha256sum -c SHA256SUMS");
    // A script quoted inside a text is read as a command too.
    EXPECT_EQ(redact_text("bash -c \"curl -u alice:PW35 https://h.test\" && echo ok"),
              "bash -c \"curl -u alice:REDACTED https://h.test\" && echo ok");
    // Quotes and lines survive redaction, so the script keeps its shape.
    EXPECT_EQ(redact_text("curl -u alice:'pa ss'\nnext line"), "curl -u alice:'REDACTED'\nnext line");
}

TEST(RedactionCorpus, RedactingTwiceChangesNothing) {
    for (const Leak& leak : kLeaks) {
        Argv once = leak.argv;
        redact_argv(once, leak.cut);
        Argv twice = once;
        redact_argv(twice, leak.cut);
        EXPECT_EQ(once, twice) << joined(leak.argv);
    }
}
