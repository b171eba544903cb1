# Sourced by the bench scripts: nginx on loopback for the HTTP throughput workload.
# start_bench_nginx DIR writes its config, pid and logs into DIR; stop_bench_nginx DIR.
bench_http_url=http://127.0.0.1:18089/

start_bench_nginx() {
  cat > "$1/nginx.conf" <<NGINX
worker_processes 1;
pid $1/nginx.pid;
error_log $1/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server { listen 127.0.0.1:18089; location / { return 200 "egresswatch bench\n"; } }
}
NGINX
  nginx -c "$1/nginx.conf"
}

stop_bench_nginx() {
  [ -f "$1/nginx.pid" ] && kill "$(cat "$1/nginx.pid")" 2>/dev/null || true
}
