"""Guardrails: pure checks returning a Verdict, and the redaction every outgoing text gets.

verdict    Verdict, combine
policy     Policy, load_policy (the only I/O: .github/alertfix.yml), describe_policy
patch      FileChange, check_patch (paths, budget, test weakening, swallowed errors,
           dependencies, secrets, RCA scope)
actions    check_push, check_rate, check_alert_allowed
redact     redact, redact_vars
untrusted  fence, neutralise, neutralise_line, suspicious_instructions
gate       check_pull_request (the one gate before a forge write), outgoing_text
"""
