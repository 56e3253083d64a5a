"""Type aliases shared across relgraph."""

NodeType = str
"""A node type: the name of the table its nodes are rows of."""

EdgeType = tuple[str, str, str]
"""An edge type ``(source node type, relation, destination node type)``; messages flow from
source to destination."""
