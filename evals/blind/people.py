"""Authors of the blind cases' histories."""

MAYA = "Maya Lindqvist <maya.lindqvist@acme.dev>"
TOMAS = "Tomas Ferreira <tomas.ferreira@acme.dev>"
PRIYA = "Priya Raman <priya.raman@acme.dev>"
JONAS = "Jonas Weber <jonas.weber@acme.dev>"
AMARA = "Amara Okafor <amara.okafor@acme.dev>"
