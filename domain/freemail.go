package domain

import "strings"

// freeMailDomains are mail providers anyone can get an address at: an address there proves
// nothing about an organization, so such a domain never lets anyone join by email domain.
var freeMailDomains = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "yahoo.com": true, "yahoo.co.uk": true, "ymail.com": true,
	"outlook.com": true, "hotmail.com": true, "hotmail.co.uk": true, "live.com": true, "msn.com": true,
	"icloud.com": true, "me.com": true, "mac.com": true, "aol.com": true, "proton.me": true,
	"protonmail.com": true, "pm.me": true, "gmx.com": true, "gmx.de": true, "gmx.net": true, "web.de": true,
	"yandex.com": true, "yandex.ru": true, "mail.ru": true, "qq.com": true, "163.com": true, "126.com": true,
	"zoho.com": true, "fastmail.com": true, "tutanota.com": true, "hey.com": true, "mail.com": true,
}

// FreeMailDomain reports whether name (folded) is a free mail provider's domain.
func FreeMailDomain(name string) bool { return freeMailDomains[name] }

// EmailDomain is the domain part of a normalized email, "" when it has none.
func EmailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	return email[at+1:]
}

// JoinableDomain is the custom-domain name a user may join by: the domain of their email,
// when the email is verified and not at a free mail provider; "" otherwise.
func JoinableDomain(u User) string {
	if u.Email == nil || !u.EmailVerified {
		return ""
	}
	d := EmailDomain(*u.Email)
	if d == "" || FreeMailDomain(d) {
		return ""
	}
	return d
}
