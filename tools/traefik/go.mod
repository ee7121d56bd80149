// A wrapper module that builds Traefik from the Go module proxy (no image can
// be pulled here). `go install` of Traefik itself refuses its replace
// directives, so this module carries them: the containous forks below, copied
// from Traefik v3.6.12's own go.mod. v3.7.x does not build from the proxy
// here: some of its newer dependency versions are answered 403.
// scripts/lib.sh (ensure_traefik) builds it into .tools/traefik-<version>/.
module tessera.local/traefik-build

go 1.25.0

require github.com/traefik/traefik/v3 v3.6.12

replace (
	github.com/abbot/go-http-auth => github.com/containous/go-http-auth v0.4.1-0.20200324110947-a37a7636d23e
	github.com/gorilla/mux => github.com/containous/mux v0.0.0-20250523120546-41b6ec3aed59
	github.com/mailgun/minheap => github.com/containous/minheap v0.0.0-20190809180810-6e71eb837595
)

exclude github.com/tencentcloud/tencentcloud-sdk-go v3.0.83+incompatible
