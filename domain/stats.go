package domain

// Stats are the platform's counts, for superadmins.
type Stats struct {
	OrganizationsByStatus map[Status]int64
	Users                 int64
	Memberships           int64
	VerifiedDomains       int64
	PendingInvitations    int64
}
