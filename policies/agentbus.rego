# The default agentbus policy. One evaluation of `decision` returns the verdict and every reason:
#   {"allow": true|false, "deny": ["reason", ...]}
# The input document is built by src/pipeline/policy-input.ts (see README, "Policy input").
# Configuration lives in data.agentbus (policies/data.json).
package agentbus

import rego.v1

decision := {"allow": allow, "deny": deny}

default allow := false

allow if count(deny) == 0

# --- constitutional hash -------------------------------------------------------------
deny contains "constitutional hash mismatch" if {
	input.message.constitutionalHash != input.expectedHash
}

# --- tenant isolation: both ends belong to the message's tenant ---------------------------
deny contains concat("", ["sender ", input.message.from, " belongs to tenant ", input.sender.tenantId, ", not ", input.message.tenantId]) if {
	input.sender.tenantId != input.message.tenantId
}

deny contains concat("", ["recipient ", input.message.to, " belongs to tenant ", input.recipient.tenantId, ", not ", input.message.tenantId]) if {
	input.recipient.tenantId != input.message.tenantId
}

# --- per-agent permissions: glob patterns for recipients and message types -----------------
# data.agentbus.permissions[<agent id>] or, for agents without an entry, permissions["*"].
sender_permissions := data.agentbus.permissions[input.message.from]

sender_permissions := data.agentbus.permissions["*"] if {
	not data.agentbus.permissions[input.message.from]
}

deny contains concat("", ["no permissions configured for ", input.message.from]) if {
	not sender_permissions
}

deny contains concat("", [input.message.from, " may not send to ", input.message.to]) if {
	sender_permissions
	not recipient_allowed
}

deny contains concat("", [input.message.from, " may not send messages of type ", input.message.type]) if {
	sender_permissions
	not type_allowed
}

recipient_allowed if {
	some pattern in sender_permissions.recipients
	glob.match(pattern, ["/"], input.message.to)
}

type_allowed if {
	some pattern in sender_permissions.types
	glob.match(pattern, ["/"], input.message.type)
}

# --- payload size (KiB; the bus's limits stage enforces the exact byte limit) ---------------
deny contains sprintf("payload of %d KiB exceeds the policy limit of %d KiB", [input.payloadKiB, data.agentbus.limits.maxPayloadKiB]) if {
	input.payloadKiB > data.agentbus.limits.maxPayloadKiB
}

# --- message-type and priority restrictions --------------------------------------------
# Some types may only reach agents of given types (e.g. audit_log → auditor).
deny contains concat("", [input.message.type, " messages may only be sent to agents of type ", concat(" or ", allowed)]) if {
	allowed := data.agentbus.restrictions.recipientTypes[input.message.type]
	not input.recipient.type in allowed
}

# Some types have a ceiling on priority (e.g. heartbeats are never HIGH or CRITICAL).
deny contains concat("", [input.message.type, " messages may not use priority above the configured maximum"]) if {
	input.message.priority > data.agentbus.restrictions.maxPriority[input.message.type]
}

# A message an operator has marked as blocked.
deny contains "message is marked blocked" if {
	input.message.metadata.blocked == "true"
}
