"""The desktop app's one visual system (docs/visual-system.md): scales, palettes, icons, sheet.

``tokens`` and ``palettes`` are plain Python (measured by the tests); ``stylesheet`` builds the
application style sheet from them; ``icons`` draws the bundled Lucide icons in the palette;
``apply`` chooses the palette (system, or the clinician's override) and applies it everywhere.
"""
