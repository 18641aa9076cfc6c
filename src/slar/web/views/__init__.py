"""Pure view models: API schemas in, what templates show out (text, SVG geometry). No I/O."""
