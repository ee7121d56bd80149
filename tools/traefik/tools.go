//go:build tools

// Package tools names the one package this module builds: Traefik's command.
package tools

import _ "github.com/traefik/traefik/v3/cmd/traefik"
