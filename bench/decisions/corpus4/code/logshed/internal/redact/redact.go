// Package redact masks secrets and personal data in log lines before they leave the host.
package redact

import (
	"regexp"
	"strings"
)

var (
	bearerRe = regexp.MustCompile(`(?i)(authorization:\s*bearer\s+|bearer\s+)([A-Za-z0-9._~+/=-]{8,})`)
	emailRe  = regexp.MustCompile(`([A-Za-z0-9._%+-]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,})`)
	ibanRe   = regexp.MustCompile(`\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b`)
	awsKeyRe = regexp.MustCompile(`\bAKIA[0-9A-Z]{16}\b`)
	passRe   = regexp.MustCompile(`(?i)(password|passwd|pwd)=([^&\s]+)`)
)

// Mask is what replaces a secret.
const Mask = "[REDACTED]"

// Rule is an extra pattern from the config (`redact.patterns`).
type Rule struct {
	Name    string
	Pattern *regexp.Regexp
}

// Redact returns line with tokens, keys, passwords, IBANs and e-mail addresses masked.
func Redact(line string, extra []Rule) string {
	line = bearerRe.ReplaceAllStringFunc(line, func(m string) string {
		parts := bearerRe.FindStringSubmatch(m)
		token := parts[2]
		return parts[1] + "****" + token[len(token)-4:]
	})
	line = awsKeyRe.ReplaceAllString(line, Mask)
	line = passRe.ReplaceAllString(line, "$1="+Mask)
	line = ibanRe.ReplaceAllString(line, Mask)
	line = emailRe.ReplaceAllString(line, Mask)
	for _, r := range extra {
		line = r.Pattern.ReplaceAllString(line, Mask)
	}
	return line
}

// CompileRules turns config patterns into rules, reporting the first bad one.
func CompileRules(patterns map[string]string) ([]Rule, error) {
	rules := make([]Rule, 0, len(patterns))
	for name, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, err
		}
		rules = append(rules, Rule{Name: name, Pattern: re})
	}
	return rules, nil
}

// LooksSensitive is a cheap pre-check so most lines skip the regexes.
func LooksSensitive(line string) bool {
	l := strings.ToLower(line)
	return strings.Contains(l, "bearer") || strings.Contains(l, "@") || strings.Contains(l, "akia") ||
		strings.Contains(l, "pass") || strings.Contains(l, "pwd")
}
