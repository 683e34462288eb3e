"""Files bundled with the app (``resources/``): where they are (``paths``), the screening
instruments (``instruments``) and the service taxonomy (``taxonomy``), each loaded once per
process and validated by the pure domain code."""
