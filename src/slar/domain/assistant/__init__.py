"""The AI assistant's conversations: chat history stored by the API for the AI service, so a
chat is resumable and listable. A conversation belongs to one user; nobody else (admins
included) reads or extends it."""
