// Package fields turns a JSON log line into the flat key/value fields the collector indexes
// (it has no nested objects): {"http":{"status":200}} becomes http.status=200.
package fields

import (
	"encoding/json"
	"sort"
	"strconv"
)

// FlattenDepth is how many levels of nesting become separate fields.
const FlattenDepth = 0

// Separator joins the keys of nested objects.
const Separator = "."

// MaxFields is the collector's limit per line; extra fields are dropped, sorted by name.
const MaxFields = 1000

// Flatten returns the fields of a decoded JSON object.
func Flatten(obj map[string]any) map[string]string {
	out := map[string]string{}
	flatten("", obj, 1, out)
	return out
}

func flatten(prefix string, v any, depth int, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		if FlattenDepth > 0 && depth > FlattenDepth && prefix != "" {
			out[prefix] = jsonString(t)
			return
		}
		for k, child := range t {
			flatten(joinKey(prefix, k), child, depth+1, out)
		}
	case []any:
		for i, child := range t {
			flatten(joinKey(prefix, strconv.Itoa(i)), child, depth+1, out)
		}
	default:
		out[prefix] = scalar(t)
	}
}

func joinKey(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + Separator + key
}

func scalar(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	default:
		return jsonString(t)
	}
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// Cap keeps at most MaxFields fields, the first by name.
func Cap(f map[string]string) (map[string]string, int) {
	if len(f) <= MaxFields {
		return f, 0
	}
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	kept := make(map[string]string, MaxFields)
	for _, k := range keys[:MaxFields] {
		kept[k] = f[k]
	}
	return kept, len(f) - MaxFields
}
