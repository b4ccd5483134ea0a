import { Migration } from '@mikro-orm/migrations';

/** The compass surface's tables (issue 5): parties, party admins, questions, answers, profiles. */
export class Migration20261126042816_compass extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "compass_parties" ("id" serial primary key, "name" varchar(200) not null, "abbreviation" varchar(20) not null, "description" text null, "code" varchar(16) not null, "logo_file_id" uuid null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`);
    this.addSql(`alter table "compass_parties" add constraint "compass_parties_code_unique" unique ("code");`);
    this.addSql(`create unique index "compass_parties_name_lower_unique" on "compass_parties" (lower("name"));`);

    this.addSql(`create table "compass_questions" ("id" serial primary key, "text" text not null, "axis" varchar(10) not null, "direction" smallint not null, "position" int not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`);
    this.addSql(`create index "compass_questions_position_index" on "compass_questions" ("position");`);

    this.addSql(`create table "compass_party_answers" ("party_id" int not null, "question_id" int not null, "score" smallint null, constraint "compass_party_answers_pkey" primary key ("party_id", "question_id"));`);
    this.addSql(`create index "compass_party_answers_question_id_index" on "compass_party_answers" ("question_id");`);

    this.addSql(`create table "compass_user_answers" ("user_id" uuid not null, "question_id" int not null, "score" smallint not null, constraint "compass_user_answers_pkey" primary key ("user_id", "question_id"));`);
    this.addSql(`create index "compass_user_answers_question_id_index" on "compass_user_answers" ("question_id");`);

    this.addSql(`create table "compass_profiles" ("user_id" uuid not null, "patient_number" int null, constraint "compass_profiles_pkey" primary key ("user_id"));`);

    this.addSql(`create table "compass_party_admins" ("party_id" int not null, "user_id" uuid not null, "created_at" timestamptz not null default now(), constraint "compass_party_admins_pkey" primary key ("party_id", "user_id"));`);
    this.addSql(`create index "compass_party_admins_user_id_index" on "compass_party_admins" ("user_id");`);

    this.addSql(`create table "compass_user_scores" ("user_id" uuid not null, "economic_sum" int not null default 0, "economic_count" int not null default 0, "social_sum" int not null default 0, "social_count" int not null default 0, constraint "compass_user_scores_pkey" primary key ("user_id"));`);

    this.addSql(`alter table "compass_party_answers" add constraint "compass_party_answers_party_id_foreign" foreign key ("party_id") references "compass_parties" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "compass_party_answers" add constraint "compass_party_answers_question_id_foreign" foreign key ("question_id") references "compass_questions" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "compass_user_answers" add constraint "compass_user_answers_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "compass_user_answers" add constraint "compass_user_answers_question_id_foreign" foreign key ("question_id") references "compass_questions" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "compass_profiles" add constraint "compass_profiles_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "compass_party_admins" add constraint "compass_party_admins_party_id_foreign" foreign key ("party_id") references "compass_parties" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "compass_party_admins" add constraint "compass_party_admins_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "compass_user_scores" add constraint "compass_user_scores_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "compass_user_scores" cascade;`);
    this.addSql(`drop table if exists "compass_party_admins" cascade;`);
    this.addSql(`drop table if exists "compass_profiles" cascade;`);
    this.addSql(`drop table if exists "compass_user_answers" cascade;`);
    this.addSql(`drop table if exists "compass_party_answers" cascade;`);
    this.addSql(`drop table if exists "compass_questions" cascade;`);
    this.addSql(`drop table if exists "compass_parties" cascade;`);
  }

}
