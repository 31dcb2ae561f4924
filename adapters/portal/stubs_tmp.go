package portal

import "github.com/gin-gonic/gin"

func (p *Portal) registerMembers(*gin.RouterGroup)     {}
func (p *Portal) registerInvitations(*gin.RouterGroup) {}
func (p *Portal) registerDomains(*gin.RouterGroup)     {}
func (p *Portal) registerAPIKeys(*gin.RouterGroup)     {}
func (p *Portal) registerAudit(*gin.RouterGroup)       {}
func (p *Portal) registerWebhooks(*gin.RouterGroup)    {}
