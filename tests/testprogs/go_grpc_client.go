// A gRPC client in Go for the kernel tests of Go's crypto/tls probes and of h2c: grpc-go
// (Debian's golang-google-grpc-dev, built offline in GOPATH mode) calling the health service
// over TLS, or in cleartext HTTP/2 when CACERT is "-". Prints "METHOD CODE" per call.
//
//	go_grpc_client CACERT|- HOST:PORT ADDR:PORT METHOD[=SERVICE]...
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

func main() {
	security := grpc.WithInsecure()
	if os.Args[1] != "-" {
		pem, err := os.ReadFile(os.Args[1])
		if err != nil {
			panic(err)
		}
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(pem)
		security = grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: roots}))
	}
	address := os.Args[3]
	dialer := func(ctx context.Context, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", address)
	}
	conn, err := grpc.Dial(os.Args[2], security, grpc.WithContextDialer(dialer), grpc.WithBlock())
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	for _, call := range os.Args[4:] {
		method, service, _ := strings.Cut(call, "=")
		err := conn.Invoke(context.Background(), method, &healthpb.HealthCheckRequest{Service: service},
			&healthpb.HealthCheckResponse{})
		fmt.Printf("%s %d\n", method, status.Code(err))
	}
}
