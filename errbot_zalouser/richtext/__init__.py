"""A reply's text as the chat should show it, built from Errbot's Markdown or given literally.

``styled.StyledText`` is the value (text, Zalo style ranges, mention ranges, marks);
``markdown.from_markdown`` builds one from Errbot's Markdown; ``plain.plain_form`` turns one into
readable text for a chat that shows no styles; ``mentions`` keeps ``@`` from being read as a
mention and builds the mentions a plugin asks for. How a value is handed to `zca` (openzca's
marker syntax, or ``--raw`` text) is the transport's business (``transport.markers``).
Nothing here imports errbot or starts a process.
"""
