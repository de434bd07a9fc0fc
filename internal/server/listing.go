package server

import (
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
)

// PrintRoutes writes every route with the URLs that reach it and its integration, the way
// `sam local start-api` lists its mounts. listen is the data listener's address.
func PrintRoutes(w io.Writer, t *gateway.Table, listen string) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		host, port = listen, ""
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	hostPort := host
	if port != "" {
		hostPort = net.JoinHostPort(host, port)
	}
	byHost := len(t.PathAPIs) > 1
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, api := range t.APIs {
		fmt.Fprintf(tw, "API %s (%s%s)\n", api.ID, api.Protocol, nameSuffix(api.Name))
		for _, st := range sortedStages(api) {
			for _, rt := range api.RouteList {
				method := rt.Method
				if rt.Resource == apimodel.DefaultRouteKey {
					method = "ANY"
				}
				fmt.Fprintf(tw, "  %s\t%s\t→ %s%s\n", method, urlFor(hostPort, st, rt), describe(rt), protection(rt.Spec.Auth))
				if byHost {
					fmt.Fprintf(tw, "  \t%s\t\n", urlFor(apiHost(api.ID, port), st, rt))
				}
			}
		}
	}
	for _, d := range sortedDomains(t) {
		for _, m := range d.Mappings {
			stage := "{stage}"
			if m.Stage != nil {
				stage = m.Stage.Name
			}
			base := "/" + m.BasePath
			fmt.Fprintf(tw, "Domain %s\t%s\t→ %s stage %s\n", d.Name, base, m.API.ID, stage)
		}
	}
	tw.Flush()
	for _, wn := range t.Warnings {
		fmt.Fprintf(w, "warning: %s: %s\n", wn.Pos, wn.Message)
	}
}

// apiHost is the host that addresses one API when several share the listener.
func apiHost(id, port string) string {
	h := id + ".execute-api.localhost"
	if port != "" {
		h += ":" + port
	}
	return h
}

func nameSuffix(name string) string {
	if name == "" {
		return ""
	}
	return ", " + name
}

func urlFor(hostPort string, st *gateway.Stage, rt *gateway.Route) string {
	prefix := ""
	if st.Name != apimodel.DefaultStage {
		prefix = "/" + st.Name
	}
	path := rt.Resource
	if path == apimodel.DefaultRouteKey {
		path = "/{anything}"
	}
	if path == "/" && prefix != "" {
		path = ""
	}
	return "http://" + hostPort + prefix + path
}

func describe(rt *gateway.Route) string {
	in := rt.Spec.Integration
	switch in.Type {
	case apimodel.IntegrationMock:
		return "MOCK"
	default:
		s := string(in.Type)
		if in.HTTPMethod != "" && in.Type == apimodel.IntegrationHTTP {
			s += " " + in.HTTPMethod
		}
		return s + " " + in.URI
	}
}

// protection names what guards a route, so the listing shows which URLs need credentials.
func protection(a *apimodel.RouteAuth) string {
	if a == nil {
		return ""
	}
	var parts []string
	switch a.Type {
	case apimodel.AuthIAM:
		parts = append(parts, "IAM")
	case apimodel.AuthCustom, apimodel.AuthJWT, apimodel.AuthCognito:
		p := "authorizer " + a.Authorizer
		if len(a.Scopes) > 0 {
			p += " (" + strings.Join(a.Scopes, " ") + ")"
		}
		parts = append(parts, p)
	}
	if a.APIKeyRequired {
		parts = append(parts, "API key")
	}
	if len(parts) == 0 {
		return ""
	}
	return "  [" + strings.Join(parts, ", ") + "]"
}

func sortedStages(api *gateway.API) []*gateway.Stage {
	out := make([]*gateway.Stage, 0, len(api.Stages))
	for _, s := range api.Stages {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func sortedDomains(t *gateway.Table) []*gateway.Domain {
	out := make([]*gateway.Domain, 0, len(t.Domains))
	for _, d := range t.Domains {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
