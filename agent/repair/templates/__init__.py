"""One libcst codemod per fix kind, each `propose(RepairInput) -> list[Candidate] | Decline`,
chosen from the exception and the faulting expression on the crashing line."""
