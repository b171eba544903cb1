#include <gtest/gtest.h>

#include "redaction/redaction.h"
#include "redaction/text_redaction.h"

using namespace egresswatch;

TEST(Redaction, SecretNames) {
    for (const char* name : {"Authorization",
                             "proxy-authorization",
                             "COOKIE",
                             "Set-Cookie",
                             "X-Api-Key",
                             "x-auth-token",
                             "X-Amz-Security-Token",
                             "PRIVATE-TOKEN",
                             "X-Access-Token",
                             "Api-Key",
                             "X-GitHub-Token",
                             "Authentication",
                             "X-Csrf-Token",
                             "cookies",
                             "PGPASSWORD",
                             "MYSQL_PWD",
                             "apiKey",
                             "APIKEY",
                             "AWS_SECRET_ACCESS_KEY",
                             "client_secret",
                             "passwd",
                             "pass",
                             "X-Session-Id",
                             "X-Amz-Signature",
                             "-HAuthorization",
                             "OAuth2Token",
                             "passphrase",
                             "jwt"})
        EXPECT_TRUE(is_secret_name(name)) << name;
    for (const char* name :
         {"Host",       "User-Agent",   "Accept",          "X-Request-Id", "",       "PWD",    "OLDPWD",  "author",
          ":authority", "Keep-Alive",   "keyring",         "KEYRING",      "monkey", "bypass", "compass", "HOME",
          "PATH",       "Content-Type", "X-Forwarded-For", "user"})
        EXPECT_FALSE(is_secret_name(name)) << name;
}

TEST(Redaction, HeaderValues) {
    EXPECT_EQ(redact_header_value("Authorization", "Bearer eyJhbGciOi.payload.sig"), "Bearer REDACTED");
    EXPECT_EQ(redact_header_value("authorization", "Basic dXNlcjpwYXNz"), "Basic REDACTED");
    EXPECT_EQ(redact_header_value("Proxy-Authorization", "Negotiate  YIIabc"), "Negotiate REDACTED");
    EXPECT_EQ(redact_header_value("Authorization", "just-a-token"), "REDACTED");
    EXPECT_EQ(redact_header_value("Authorization", "b@d scheme"), "REDACTED");
    EXPECT_EQ(redact_header_value("Authorization", ""), "REDACTED");
    EXPECT_EQ(redact_header_value("Cookie", "session=abc; theme=dark"), "REDACTED");
    EXPECT_EQ(redact_header_value("X-API-Key", "Bearer abc"), "REDACTED");  // only Authorization keeps a scheme
    EXPECT_EQ(redact_header_value("User-Agent", "curl/7.88.1"), "curl/7.88.1");
    EXPECT_EQ(redact_header_value("X-Access-Token", "abc"), "REDACTED");
    // Any other header's value loses the credentials the text engine finds in it.
    EXPECT_EQ(redact_header_value("Referer", "https://u:p@h.test/a?token=x"),
              "https://REDACTED@h.test/a?token=REDACTED");
}

TEST(Redaction, TargetQueryValues) {
    EXPECT_EQ(redact_target("/a?x=1&y=&z"), "/a?x=REDACTED&y=REDACTED&z");
    EXPECT_EQ(redact_target("/download?token=s3cr3t&file=a=b"), "/download?token=REDACTED&file=REDACTED");
    EXPECT_EQ(redact_target("/plain/path.deb"), "/plain/path.deb");
    EXPECT_EQ(redact_target("/a?"), "/a?");
    EXPECT_EQ(redact_target("/a?&&x=1"), "/a?&&x=REDACTED");
    EXPECT_EQ(redact_target("/a#frag"), "/a");
    EXPECT_EQ(redact_target("/a?k=v#frag?x=1"), "/a?k=REDACTED");
    EXPECT_EQ(redact_target(""), "");
}

TEST(Redaction, AbsoluteFormUserinfo) {
    EXPECT_EQ(redact_target("http://user:pw@h/"), "http://REDACTED@h/");
    EXPECT_EQ(redact_target("http://user:p@ss@h.test:8080/x?a=1"), "http://REDACTED@h.test:8080/x?a=REDACTED");
    EXPECT_EQ(redact_target("https://h.test/x@y"), "https://h.test/x@y");  // an '@' in the path is not userinfo
    EXPECT_EQ(redact_target("http://h.test"), "http://h.test");
    EXPECT_EQ(redact_target("http://tok@h.test?x=1"), "http://REDACTED@h.test?x=REDACTED");
    EXPECT_EQ(redact_target("registry.test:443"), "registry.test:443");
}

TEST(Redaction, PathOf) {
    EXPECT_EQ(path_of("/a/b.deb?x=1#f"), "/a/b.deb");
    EXPECT_EQ(path_of("/a/b.deb#f?x"), "/a/b.deb");
    EXPECT_EQ(path_of("http://user:pw@h.test:8080/pool/x.rpm?sig=1"), "/pool/x.rpm");
    EXPECT_EQ(path_of("http://h.test"), "/");
    EXPECT_EQ(path_of("http://h.test?q"), "/");
    EXPECT_EQ(path_of("*"), "*");
    EXPECT_EQ(path_of("/"), "/");
}
