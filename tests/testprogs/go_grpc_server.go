// grpc-go's health service over TLS, or in cleartext HTTP/2 (h2c) without a certificate, for
// the gRPC kernel tests (built offline from Debian's golang-google-grpc-dev):
//
//	go_grpc_server :PORT [CERT KEY]
package main

import (
	"net"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func main() {
	var options []grpc.ServerOption
	if len(os.Args) > 3 {
		creds, err := credentials.NewServerTLSFromFile(os.Args[2], os.Args[3])
		if err != nil {
			panic(err)
		}
		options = append(options, grpc.Creds(creds))
	}
	listener, err := net.Listen("tcp", os.Args[1])
	if err != nil {
		panic(err)
	}
	server := grpc.NewServer(options...)
	healthpb.RegisterHealthServer(server, health.NewServer())
	server.Serve(listener)
}
