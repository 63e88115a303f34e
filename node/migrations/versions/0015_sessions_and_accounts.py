"""Sessions and account lifecycle: login sessions kept on the server, login records, account and token states.

Accounts and tokens that exist become active. Tokens from before this revision keep no expiry (NULL):
the clients using them were never told of one; every new token gets one.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 22:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The enums' values as of this revision; written out, since migrations never import node code.
OUTCOMES = ('succeeded', 'wrong_password', 'locked', 'disabled', 'throttled')


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('state', sa.String(length=16), server_default='active', nullable=False))
        batch.add_column(sa.Column('last_login_at', sa.DateTime(), nullable=True))
        batch.create_check_constraint(op.f('ck_users_state'), _one_of('state', ('active', 'disabled')))
    with op.batch_alter_table('api_tokens') as batch:
        batch.add_column(sa.Column('state', sa.String(length=16), server_default='active', nullable=False))
        batch.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('revoked_at', sa.DateTime(), nullable=True))
        batch.create_check_constraint(op.f('ck_api_tokens_state'), _one_of('state', ('active', 'revoked')))
    op.create_table('login_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('end_reason', sa.String(length=16), nullable=True),
    sa.Column('device', sa.String(length=120), nullable=False),
    sa.Column('source_address', sa.String(length=64), nullable=False),
    sa.CheckConstraint(_one_of('state', ('open', 'ended')), name=op.f('ck_login_sessions_state')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_sessions_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_login_sessions_key_hash'))
    )
    op.create_index(op.f('ix_login_sessions_user_id'), 'login_sessions', ['user_id'], unique=False)
    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('source_address', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.CheckConstraint(_one_of('outcome', OUTCOMES), name=op.f('ck_login_attempts_outcome')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_attempts_user_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    op.create_index(op.f('ix_login_attempts_at'), 'login_attempts', ['at'], unique=False)
    op.create_index('ix_login_attempts_username_at', 'login_attempts', ['username', 'at'], unique=False)


def downgrade() -> None:
    """Downgrade schema: sessions and login records are dropped, and so are revoked tokens (never to work again)."""
    op.drop_index('ix_login_attempts_username_at', table_name='login_attempts')
    op.drop_index(op.f('ix_login_attempts_at'), table_name='login_attempts')
    op.drop_table('login_attempts')
    op.drop_index(op.f('ix_login_sessions_user_id'), table_name='login_sessions')
    op.drop_table('login_sessions')
    op.execute("DELETE FROM api_tokens WHERE state = 'revoked'")
    with op.batch_alter_table('api_tokens') as batch:
        batch.drop_constraint(op.f('ck_api_tokens_state'), type_='check')
        batch.drop_column('revoked_at')
        batch.drop_column('expires_at')
        batch.drop_column('state')
    with op.batch_alter_table('users') as batch:
        batch.drop_constraint(op.f('ck_users_state'), type_='check')
        batch.drop_column('last_login_at')
        batch.drop_column('state')
