package config

import (
	"errors"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// samTemplateNames are the names SAM CLI looks for, so that a directory holding a SAM
// project beside its genkan.yaml serves the template's functions too.
var samTemplateNames = []string{"template.yaml", "template.yml", "template.json"}

// isSAM defaults to CloudFormation's top-level keys: none of them is a genkan key, and a
// template the importer then refuses gets its message rather than "unknown key" errors.
func (ld *load) isSAM(data []byte) bool {
	if ld.l.IsSAM != nil {
		return ld.l.IsSAM(data)
	}
	for _, k := range topKeys(data) {
		if k == "Transform" || k == "AWSTemplateFormatVersion" || k == "Resources" {
			return true
		}
	}
	return false
}

// samPath reads the `sam:` key of an apis entry.
func (d *decoder) samPath(a *apiDecl, e entry) {
	a.samPos = d.valuePos(e)
	path, ok := d.text("sam", e.val)
	if ok && path == "" {
		d.errorAt(a.samPos, "sam: needs the path of a SAM template")
	}
	a.sam = path
}

// samOnly refuses keys beside `sam:`: a template declares several APIs and functions, so
// there is no one API for them to apply to.
func (d *decoder) samOnly(seen map[string]entry) {
	for _, k := range slices.Sorted(maps.Keys(seen)) {
		if k != "sam" {
			d.errorf(seen[k].keyNode, "key %s cannot be used with sam: a SAM template declares its own APIs", quote(k))
		}
	}
}

// importSAMRef imports the template an `apis: - sam:` entry names.
func (ld *load) importSAMRef(from string, a *apiDecl) {
	if a.sam == "" {
		return
	}
	file := a.sam
	if !filepath.IsAbs(file) {
		file = filepath.Join(filepath.Dir(from), file)
	}
	file = filepath.Clean(file)
	ld.track(file)
	data, err := ld.readFile(file)
	if err != nil {
		ld.problem(a.samPos, "sam: %s: %v", a.sam, unwrapPath(err))
		return
	}
	if !ld.isSAM(data) {
		ld.problem(a.samPos, "sam: %s is not a SAM template", a.sam)
		return
	}
	// Unlike an OpenAPI document, which two entries may import under two ids, a template
	// imported twice would only declare its functions twice.
	if ld.firstTime(file) {
		ld.importSAM(a.samPos, "sam: "+a.sam+": ", file, data)
	}
}

// samBeside loads the SAM templates next to a directory's genkan.yaml.
func (ld *load) samBeside(dir string) {
	for _, name := range samTemplateNames {
		p := filepath.Join(dir, name)
		data, err := ld.readFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			ld.track(p)
			ld.problem(apimodel.Position{File: p}, "%v", unwrapPath(err))
			continue
		}
		if !ld.isSAM(data) {
			// Not a SAM project: the file may be anything else called "template".
			continue
		}
		ld.track(p)
		if ld.firstTime(p) {
			ld.importSAM(apimodel.Position{File: p}, "", p, data)
		}
	}
}

// importSAM runs the SAM importer and merges what it returns. Problems it returns keep their
// own positions (inside the template); any other error is placed at pos, after prefix.
func (ld *load) importSAM(pos apimodel.Position, prefix, file string, data []byte) {
	if ld.l.ImportSAM == nil {
		ld.problem(pos, "%sthis build cannot import SAM templates", prefix)
		return
	}
	var cfg *apimodel.Config
	var err error
	crashed := true
	func() {
		// As with the OpenAPI importer: its crash must become a config error, not stop the
		// gateway serving the previous config.
		defer func() {
			if r := recover(); r != nil {
				ld.problem(pos, "%sthe SAM importer failed: %v", prefix, r)
			}
		}()
		cfg, err = ld.l.ImportSAM(data, file, ld.l.DefaultStage)
		crashed = false
	}()
	if crashed {
		return
	}
	if cfg != nil {
		ld.cfg.Warnings = append(ld.cfg.Warnings, cfg.Warnings...)
	}
	switch {
	case err != nil:
		ld.importError(pos, prefix, err)
		return
	case cfg == nil:
		ld.problem(pos, "%sthe SAM importer returned nothing", prefix)
		return
	}
	ld.cfg.APIs = append(ld.cfg.APIs, cfg.APIs...)
	for _, fn := range cfg.Functions {
		ld.addFunction(fn)
	}
	for _, dom := range cfg.Domains {
		ld.addDomain(dom)
	}
	// Keys and plans a template declares (SAM's Auth.UsagePlan, AWS::ApiGateway::ApiKey and
	// UsagePlan) join those of genkan YAML files; Validate reports any clash by position.
	ld.cfg.APIKeys = append(ld.cfg.APIKeys, cfg.APIKeys...)
	ld.cfg.UsagePlans = append(ld.cfg.UsagePlans, cfg.UsagePlans...)
	ld.cfg.AccessKeys = append(ld.cfg.AccessKeys, cfg.AccessKeys...)
}
