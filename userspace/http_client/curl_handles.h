#pragma once
// libcurl's handles as unique_ptr deleters, and its global state made once.

#include <curl/curl.h>

namespace egresswatch {

struct UrlFree {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct EasyFree {
    void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct ListFree {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct CurlFree {
    void operator()(char* s) const { curl_free(s); }
};

// libcurl's global state, once, before the first handle (from whichever thread is first).
void init_curl();

}  // namespace egresswatch
