"""cosmos-flow: a world-foundation-model platform for physical AI."""
