"""Sourcier's Gradio chat: answers with clickable citations highlighted in their source document."""
