// A Go HTTPS client for the kernel tests of Go's crypto/tls probes (tests/kernel/go_tls_test.cpp),
// built offline with Debian's Go. It prints one line per answer, "PATH STATUS", and in -raw mode
// how many reads returned on another thread than they began on.
//
//	go_https_client -cacert F -connect-to secure.test:8443=198.19.81.2:8443 [mode] URL...
//
// -repeat N (a benchmark) fetches the URLs N times on one connection and prints the rate.
// Modes: sequential on one connection (default; HTTP/2 unless GODEBUG=http2client=0);
// -parallel (the first URL, then the rest at once, multiplexed on the same connection);
// -wait-for FILE (the first URL, then wait for FILE, then the rest); -raw N (HTTP/1.1 written
// straight to crypto/tls on N connections at once, while busy goroutines keep every thread
// occupied, so that a goroutine parked in Read often resumes on another thread).
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	cacert    = flag.String("cacert", "", "PEM file of the CA to trust")
	connectTo = flag.String("connect-to", "", "HOST:PORT=ADDR:PORT: dial ADDR:PORT for HOST:PORT")
	parallel  = flag.Bool("parallel", false, "the first URL, then the others at once")
	waitFor   = flag.String("wait-for", "", "the first URL, then wait for this file, then the others")
	raw       = flag.Int("raw", 0, "HTTP/1.1 over crypto/tls on this many connections at once")
	repeat    = flag.Int("repeat", 0, "benchmark: fetch the URLs this many times, print only the rate")
)

func dial(ctx context.Context, network, address string) (net.Conn, error) {
	if from, to, ok := strings.Cut(*connectTo, "="); ok && address == from {
		address = to
	}
	var d net.Dialer
	return d.DialContext(ctx, network, address)
}

func roots() *x509.CertPool {
	pem, err := os.ReadFile(*cacert)
	if err != nil {
		panic(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return pool
}

func get(client *http.Client, u string) string {
	resp, err := client.Get(u)
	if err != nil {
		panic(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	parsed, _ := url.Parse(u)
	return fmt.Sprintf("%s %d", parsed.Path, resp.StatusCode)
}

func main() {
	flag.Parse()
	urls := flag.Args()
	if *raw > 0 {
		rawClients(urls)
		return
	}
	transport := &http.Transport{DialContext: dial, TLSClientConfig: &tls.Config{RootCAs: roots()}, ForceAttemptHTTP2: true}
	client := &http.Client{Transport: transport}
	if *repeat > 0 {
		get(client, urls[0]) // the connection, outside the timing
		start := time.Now()
		for i := 0; i < *repeat; i++ {
			for _, u := range urls {
				get(client, u)
			}
		}
		fmt.Printf("%.0f requests/s\n", float64(*repeat*len(urls))/time.Since(start).Seconds())
		return
	}
	fmt.Println(get(client, urls[0]))
	rest := urls[1:]
	if *waitFor != "" {
		fmt.Println("waiting")
		for {
			if _, err := os.Stat(*waitFor); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if !*parallel {
		for _, u := range rest {
			fmt.Println(get(client, u))
		}
		return
	}
	answers := make([]string, len(rest))
	var wg sync.WaitGroup
	for i, u := range rest {
		wg.Add(1)
		go func(i int, u string) {
			defer wg.Done()
			answers[i] = get(client, u)
		}(i, u)
	}
	wg.Wait()
	for _, a := range answers {
		fmt.Println(a)
	}
}

// Each connection fetches every URL's path with "/cN" in front, so that each answer names its
// connection.
func rawClients(urls []string) {
	runtime.GOMAXPROCS(4)
	var stop atomic.Bool
	for i := 0; i < 6; i++ {
		go func() {
			for !stop.Load() {
				for j := 0; j < 1000; j++ {
				}
				runtime.Gosched()
			}
		}()
	}
	var reads, moved atomic.Int64
	answers := make([][]string, *raw)
	var wg sync.WaitGroup
	for c := 0; c < *raw; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			first, _ := url.Parse(urls[0])
			port := first.Port()
			if port == "" {
				port = "443"
			}
			conn, err := dial(context.Background(), "tcp", net.JoinHostPort(first.Hostname(), port))
			if err != nil {
				panic(err)
			}
			tlsConn := tls.Client(conn, &tls.Config{RootCAs: roots(), ServerName: first.Hostname()})
			defer tlsConn.Close()
			reader := bufio.NewReader(readFunc(func(b []byte) (int, error) {
				before := syscall.Gettid()
				n, err := tlsConn.Read(b)
				reads.Add(1)
				if syscall.Gettid() != before {
					moved.Add(1)
				}
				return n, err
			}))
			for _, u := range urls {
				parsed, _ := url.Parse(u)
				path := fmt.Sprintf("/c%d%s", c, parsed.Path)
				fmt.Fprintf(tlsConn, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: go-raw-client\r\n\r\n", path, parsed.Hostname())
				resp, err := http.ReadResponse(reader, nil)
				if err != nil {
					panic(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				answers[c] = append(answers[c], fmt.Sprintf("%s %d", path, resp.StatusCode))
			}
		}(c)
	}
	wg.Wait()
	stop.Store(true)
	for _, list := range answers {
		for _, a := range list {
			fmt.Println(a)
		}
	}
	fmt.Printf("reads=%d moved=%d\n", reads.Load(), moved.Load())
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(b []byte) (int, error) { return f(b) }
