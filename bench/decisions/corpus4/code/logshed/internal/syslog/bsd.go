// Package syslog parses lines received on the syslog inputs (UDP and TCP). Network gear still
// sends the old BSD format (RFC 3164): "<PRI>Mmm dd hh:mm:ss host app[pid]: text".
package syslog

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrNotSyslog: the line does not look like a BSD syslog line; the input ships it as it is.
var ErrNotSyslog = errors.New("not a BSD syslog line")

var bsdLine = regexp.MustCompile(`^<(\d{1,3})>([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\S+) ([^:\[\s]+)(?:\[(\d+)\])?: ?(.*)$`)

var months = map[string]time.Month{
	"Jan": time.January, "Feb": time.February, "Mar": time.March, "Apr": time.April,
	"May": time.May, "Jun": time.June, "Jul": time.July, "Aug": time.August,
	"Sep": time.September, "Oct": time.October, "Nov": time.November, "Dec": time.December,
}

var facilities = []string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}

// Message is one parsed line.
type Message struct {
	Facility, Severity int
	Time               time.Time
	Host, App, PID     string
	Text               string
}

func priority(p string) (facility, severity int, err error) {
	n, err := strconv.Atoi(p)
	if err != nil || n > 191 {
		return 0, 0, fmt.Errorf("bad priority %q", p)
	}
	return n / 8, n % 8, nil
}

// FacilityName is the label value for a facility number.
func FacilityName(f int) string {
	if f >= 0 && f < len(facilities) {
		return facilities[f]
	}
	return "unknown"
}

// ParseBSD parses one line received at `received`; loc is the input's configured zone.
func ParseBSD(line string, received time.Time, loc *time.Location) (Message, error) {
	m := bsdLine.FindStringSubmatch(strings.TrimRight(line, "\r\n"))
	if m == nil {
		return Message{}, ErrNotSyslog
	}
	fac, sev, err := priority(m[1])
	if err != nil {
		return Message{}, err
	}
	month, ok := months[m[2]]
	if !ok {
		return Message{}, ErrNotSyslog
	}
	day, _ := strconv.Atoi(strings.TrimSpace(m[3]))
	hh, _ := strconv.Atoi(m[4])
	mm, _ := strconv.Atoi(m[5])
	ss, _ := strconv.Atoi(m[6])
	if loc == nil {
		loc = time.UTC
	}
	year := received.In(loc).Year()
	t := time.Date(year, month, day, hh, mm, ss, 0, loc)
	return Message{Facility: fac, Severity: sev, Time: t, Host: m[7], App: m[8], PID: m[9], Text: m[10]}, nil
}
