package ports

// The gomock doubles of every port live in ports/mocks, generated (make generate) and
// committed, for orgkit's own unit tests and for hosts testing their rules against orgkit.
//go:generate go tool mockgen -destination=mocks/mocks.go -package=mocks github.com/orgkit/orgkit/ports OrganizationRepo,UserRepo,MembershipRepo,AuditRepo,APIKeyRepo,DomainRepo,Repos,UnitOfWork,TokenVerifier,Sealer,RateLimiter,Clock,TXTResolver,ResolveCache,InviteRepo,InvitationRepo,OutboxRepo,StatsRepo,Mailer,InvalidationBus,BlobStore,EventRepo,WebhookRepo,WebhookSender,ResourceRenderer,Metrics
